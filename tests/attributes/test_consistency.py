import pytest

from equime.artifacts.face_attributes import Demography
from equime.attributes.aggregate import aggregate
from equime.attributes.consistency import compare
from equime.attributes.records import FrameAttributes
from tests.fixtures import params

LIMITS = params().attributes  # gender agreement ≥ 0.8, race ≥ 0.6, age within 10 y, ≤ 20 % no face
SOURCE = Demography(source="deepface", gender="f", race="white", age=30.0)


def _frames(genders: str, races: list[str], ages: list[float], no_face: int = 0):
    out = [FrameAttributes(status="ok", gender=g, race=r, age=a)
           for g, r, a in zip(genders, races, ages, strict=True)]
    return out + [FrameAttributes.no_face()] * no_face


def test_a_stable_identity_passes():
    frames = _frames("fffff", ["white"] * 5, [28, 30, 31, 33, 35])
    c = compare(SOURCE, frames, aggregate(frames), LIMITS)
    assert (c.gender_agreement, c.race_agreement, c.age_shift) == (1.0, 1.0, 1.0)
    assert c.flags == () and c.consistent


def test_each_threshold_raises_its_flag():
    frames = _frames("ffmmm", ["white", "asian", "asian", "asian", "white"], [45, 46, 47, 48, 49],
                     no_face=2)
    c = compare(SOURCE, frames, aggregate(frames), LIMITS)
    assert c.gender_agreement == pytest.approx(0.4) and c.race_agreement == pytest.approx(0.4)
    assert c.age_shift == 17.0 and c.no_face_share == pytest.approx(2 / 7)
    assert c.flags == ("face-lost", "gender-changed", "race-changed", "age-shifted")
    assert not c.consistent


def test_unknown_source_values_are_not_compared():
    frames = _frames("mm", ["asian", "asian"], [60, 61])
    c = compare(Demography(source="deepface"), frames, aggregate(frames), LIMITS)
    assert (c.gender_agreement, c.race_agreement, c.age_shift) == (None, None, None)
    assert c.flags == ()
