"""Export: the seed's dataset layout, per-clip metadata (pydantic schema) and a dataset card."""
