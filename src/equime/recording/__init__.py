"""Realistic recordings: the camera's sensor, a living face and AU appearance."""
