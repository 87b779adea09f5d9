"""Curation: from a folder of face photos to aligned crops, a subjects manifest and rejects."""
