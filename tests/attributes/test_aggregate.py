import pytest

from equime.attributes.aggregate import aggregate, majority
from equime.attributes.records import FrameAttributes


def _frame(age: float, gender: str, race: str, emotion: str) -> FrameAttributes:
    return FrameAttributes(status="ok", age=age, gender=gender, race=race, emotion=emotion)


FRAMES = [
    _frame(30, "f", "white", "neutral"),
    _frame(32, "f", "white", "neutral"),
    FrameAttributes.no_face(),
    _frame(40, "m", "asian", "happy"),
    _frame(34, "f", "asian", "neutral"),
    FrameAttributes.no_face(),
    _frame(36, "f", "white", "surprise"),
]


def test_clip_summary_of_hand_made_frames():
    c = aggregate(FRAMES)
    assert (c.frames_analysed, c.frames_no_face) == (7, 2)
    # ages of the 5 frames with a face: 30 32 34 36 40 → mean 34.4, Q1 32, median 34, Q3 36
    assert c.age_mean == pytest.approx(34.4) and c.age_median == 34 and c.age_iqr == 4
    assert (c.gender, c.gender_share) == ("f", pytest.approx(0.8))
    assert (c.race, c.race_share) == ("white", pytest.approx(0.6))
    assert c.emotion == "neutral"
    assert c.emotion_shares == {"happy": 0.2, "surprise": 0.2, "neutral": 0.6}


def test_no_face_anywhere_is_counted_not_dropped():
    c = aggregate([FrameAttributes.no_face()] * 3)
    assert (c.frames_analysed, c.frames_no_face) == (3, 3)
    assert c.age_mean is None and c.gender is None and c.emotion_shares == {}
    assert aggregate([]).frames_analysed == 0


def test_ties_go_to_the_label_table_order():
    assert majority(["m", "f"], ["f", "m", "u"]) == ("f", 0.5)
    assert majority(["white", "asian"], ["asian", "white"]) == ("asian", 0.5)
    assert majority([], ["f"]) == (None, None)
