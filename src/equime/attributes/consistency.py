"""Does generation change who the person appears to be? Source face against its clip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from equime.artifacts.face_attributes import Demography
from equime.attributes.aggregate import ClipAttributes
from equime.attributes.params import AttributesParams
from equime.attributes.records import FrameAttributes


@dataclass(frozen=True)
class Consistency:
    gender_agreement: float | None
    race_agreement: float | None
    age_shift: float | None  # clip median − source, years
    no_face_share: float | None
    flags: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        return not self.flags


def _agreement(values: Sequence[str | None], reference: str | None) -> float | None:
    if reference in (None, "u") or not values:
        return None
    return sum(v == reference for v in values) / len(values)


def compare(source: Demography, frames: Sequence[FrameAttributes], clip: ClipAttributes,
            limits: AttributesParams) -> Consistency:
    """Agreement of gender and race and the age shift; a flag for each threshold crossed.
    A comparison that cannot be made (unknown source value, no face) is None, not a pass."""
    faces = [f for f in frames if f.status == "ok"]
    gender = _agreement([f.gender for f in faces], source.gender)
    race = _agreement([f.race for f in faces], source.race)
    shift = None
    if source.age is not None and clip.age_median is not None:
        shift = clip.age_median - source.age
    no_face = clip.frames_no_face / clip.frames_analysed if clip.frames_analysed else None
    flags = []
    if no_face is not None and no_face > limits.max_no_face_share:
        flags.append("face-lost")
    if gender is not None and gender < limits.min_gender_agreement:
        flags.append("gender-changed")
    if race is not None and race < limits.min_race_agreement:
        flags.append("race-changed")
    if shift is not None and abs(shift) > limits.max_age_shift:
        flags.append("age-shifted")
    return Consistency(gender, race, shift, no_face, tuple(flags))
