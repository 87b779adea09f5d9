"""Where per-item work runs: this process (or a few local processes), or a Ray cluster."""
