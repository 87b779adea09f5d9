"""Emotion → Action Unit tables, as data. Each source is one mapping; pick it with plan.au_source.

- ``paper``: the EquiME paper's Fig. 3 (five emotions, plus disgust as listed in this project's
  spine issue); it has no contempt.
- ``emfacs``: the EMFACS prototypes (Ekman & Friesen). Contempt is unilateral: R12 + R14.
- ``observed`` (:mod:`equime.plan.observed`): what real micro-expressions fire, counted in SAMM's
  and CASME II's public labels; a clip draws one observed combination (usually one or two AUs).
  Its "AU set" of an emotion, where one set is asked for (a video's planned AUs by its name),
  is the emotion's frequent AUs.
"""

from __future__ import annotations

import re

from equime.errors import ParamsError
from equime.plan import observed

AU_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "paper": {
        "happiness": ("1", "6", "12", "14"),
        "sadness": ("1", "4", "15", "23"),
        "surprise": ("1", "2", "5", "15", "16", "20", "26"),
        "fear": ("1", "2", "4", "5", "15", "20", "26"),
        "anger": ("2", "4", "7", "9", "10", "20", "26"),
        "disgust": ("2", "4", "9", "15", "17"),
    },
    "emfacs": {
        "happiness": ("6", "12"),
        "sadness": ("1", "4", "15"),
        "surprise": ("1", "2", "5", "26"),
        "fear": ("1", "2", "4", "5", "7", "20", "26"),
        "anger": ("4", "5", "7", "23"),
        "disgust": ("9", "15", "16"),
        "contempt": ("R12", "R14"),
    },
}


SOURCES = (*AU_TABLES, observed.SOURCE)  # what plan.au_source may name


def emotions_of(source: str) -> tuple[str, ...]:
    """The emotions table ``source`` has AUs for."""
    return observed.emotions() if source == observed.SOURCE else tuple(AU_TABLES[source])


def emotion_in_name(name: str, source: str) -> str:
    """The emotion a file name states (``ltx_disgust_0`` → disgust), or "" (table ``source``)."""
    words = {w.lower() for w in re.split(r"[_\-.\s]+", name)}
    return next((e for e in emotions_of(source) if e in words), "")


def aus_for(source: str, emotion: str) -> tuple[str, ...]:
    """The AU codes of ``emotion`` in table ``source``, or a one-line error naming the key."""
    if source not in SOURCES:
        raise ParamsError(f"plan.au_source: unknown table {source!r} (known: {', '.join(SOURCES)})")
    known = emotions_of(source)
    if emotion not in known:
        raise ParamsError(f"plan.emotions: {emotion!r} has no AU set in table {source!r} "
                          f"(it has {', '.join(known)}); remove it or change plan.au_source")
    return observed.frequent_aus(emotion) if source == observed.SOURCE else AU_TABLES[source][emotion]
