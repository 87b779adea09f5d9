"""What a rater is asked, as one table (the form, the validation and the results use it)."""

from __future__ import annotations

from equime.emotions import EMOTIONS

EMOTION_CHOICES: tuple[str, ...] = (*EMOTIONS, "none")  # every emotion a plan may hold
TIMING_CHOICES: tuple[str, ...] = ("micro", "sustained")
REALISM_RANGE: tuple[int, int] = (1, 5)
MAX_ARTEFACTS_CHARS = 500
