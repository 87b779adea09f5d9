import numpy as np
import pytest

from equime.errors import ParamsError
from equime.longvideo.events import MACRO, MICRO, draw_events
from equime.megc import lvqa
from equime.plan import observed
from tests import fixtures

P = fixtures.params()


def test_events_are_drawn_as_planned_apart_and_inside_the_video():
    lv, plan = P.longvideo, P.plan
    kinds, counts = [], []
    for seed in range(300):
        events = draw_events(seed, lv, plan)
        assert events == draw_events(seed, lv, plan)  # seeded
        assert sum(e.kind == MICRO for e in events) == lv.micro_per_video
        assert sum(e.kind == MACRO for e in events) == lv.macro_per_video
        ends = [0.0] + [x for e in events for x in (e.timing.onset_s, e.timing.offset_s)] + [lv.seconds]
        gaps = np.diff(ends)[::2]  # before each event, and after the last
        assert (gaps >= lv.min_gap_s - 1e-6).all(), gaps
        assert events[-1].timing.offset_frame < round(lv.seconds * lv.fps)
        for e in events:
            t = e.timing
            assert t.onset_frame < t.apex_frame < t.offset_frame
            low, high = plan.duration_s if e.kind == MICRO else lv.macro_duration_s
            assert low - 1e-6 <= t.duration_s <= high + 1e-6
            low, high = plan.intensity if e.kind == MICRO else lv.macro_intensity
            assert all(low <= a.intensity <= high for a in e.aus)
            assert e.emotion in plan.emotions
            assert e.codes in {c.aus for c in observed.combinations(e.emotion)}
        kinds.append(tuple(e.kind for e in events))
        counts.append(len({a.code for e in events for a in e.aus}))
    assert len(set(kinds)) > 10  # the order is drawn, not fixed


def test_too_many_events_for_the_video_is_a_one_line_error():
    lv = P.longvideo.model_copy(update={"seconds": 5.0})
    with pytest.raises(ParamsError, match=r"^params.yaml: longvideo.seconds 5.0 cannot hold"):
        draw_events(1, lv, P.plan)


def test_lvqa_answers_come_from_the_events():
    events = draw_events(3, P.longvideo, P.plan)
    qa = {q: a for _, q, a in lvqa.questions(events)}
    assert qa[lvqa.COUNT] == "6" and qa[lvqa.COUNT_ME] == "4" and qa[lvqa.COUNT_MAE] == "2"
    for k, e in enumerate(events, start=1):
        expected = "micro-expression" if e.kind == MICRO else "macro-expression"
        assert qa[lvqa.NTH.format(ordinal=lvqa.ordinal(k))] == expected
    numbers = sorted({c.lstrip("LR") for e in events for c in e.codes}, key=int)
    assert qa[lvqa.AUS_Q].split(", ") == [lvqa.au_name(n) for n in numbers]
    assert [lvqa.ordinal(n) for n in (1, 10, 11, 12, 13, 21, 22, 103)] == [
        "first", "tenth", "11th", "12th", "13th", "21st", "22nd", "103rd"]
