"""Loaders for real ME datasets (local copies) → typed samples."""
