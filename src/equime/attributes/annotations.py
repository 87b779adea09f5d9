"""Attributes given with the source photos (a CelebA attribute file or a CSV manifest)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from equime.artifacts.face_attributes import Demography
from equime.attributes.labels import ANNOTATION_GENDERS, CELEBA_GENDER, RACES, normalise_race
from equime.errors import InputError

MAX_AGE = 120


def from_annotations(labels: Mapping[str, object], where: str) -> Demography:
    """Typed demography from one photo's labels: ``gender`` (f/m, female/male, woman/man) or
    CelebA's boolean ``Male``; ``age`` in years; ``race`` (deepface's six labels). Absent → unknown.
    """
    gender = "u"
    if "gender" in labels:
        raw = str(labels["gender"]).strip().lower()
        if raw not in ANNOTATION_GENDERS:
            raise InputError(f"{where}: gender {labels['gender']!r} is not one of "
                             f"{sorted(set(ANNOTATION_GENDERS))}; fix the annotation file")
        gender = ANNOTATION_GENDERS[raw]
    elif CELEBA_GENDER in labels:
        gender = "m" if bool(labels[CELEBA_GENDER]) else "f"
    age = None
    if "age" in labels:
        value = labels["age"]
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) \
                or not 0 <= value <= MAX_AGE:
            raise InputError(f"{where}: age {value!r} must be a number of years in [0, {MAX_AGE}]; "
                             "fix the annotation file")
        age = float(value)
    race = None
    if "race" in labels:
        race = normalise_race(str(labels["race"]))
        if race is None:
            raise InputError(f"{where}: race {labels['race']!r} is not one of {list(RACES)}; "
                             "fix the annotation file")
    return Demography(source="annotations", gender=gender, race=race, age=age)
