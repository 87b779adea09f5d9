"""Per-clip quality: piq image metrics (standard and the paper's procedure) and ME checks."""
