"""Baseline ME recognisers: models, honest splits, training, and the field's metrics."""
