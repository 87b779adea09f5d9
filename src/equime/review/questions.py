"""What a rater is asked, as one table (the form, the validation and the results use it)."""

from __future__ import annotations

EMOTION_CHOICES: tuple[str, ...] = ("happiness", "sadness", "surprise", "fear", "anger", "none")
TIMING_CHOICES: tuple[str, ...] = ("micro", "sustained")
REALISM_RANGE: tuple[int, int] = (1, 5)
MAX_ARTEFACTS_CHARS = 500
