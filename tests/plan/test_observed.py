"""``plan.au_source: observed``: clips planned like real micro-expressions. Over many planned
clips, the AU counts, the AUs each emotion fires, their sides and the timing match the public
labels they are drawn from (total-variation distance ≤ 0.05 each)."""

from collections import Counter

import numpy as np
import pytest

from equime.plan import observed
from equime.plan.au_tables import aus_for
from equime.plan.planner import PlanSubject, plan_clips
from tests.fixtures import params, plan_spec

EMOTIONS = ["happiness", "sadness", "surprise", "fear", "anger", "disgust", "contempt"]


def tv(a: Counter, b: Counter) -> float:
    """Total-variation distance of two count tables (each normalised)."""
    na, nb = sum(a.values()), sum(b.values())
    return 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in set(a) | set(b))


def side_less(code: str) -> str:
    return code.lstrip("LR")


@pytest.fixture(scope="module")
def rows():
    spec = plan_spec(params(**{"plan.emotions": EMOTIONS, "plan.sequences_per_subject": 10}))
    subjects = [PlanSubject(f"s{i:03d}", "f") for i in range(300)]
    return plan_clips(subjects, spec, base_seed=11)  # 300 × 7 × 10 = 21,000 clips


def source(emotion: str, what) -> Counter:
    out: Counter = Counter()
    for c in observed.combinations(emotion):
        for key in what(c.aus):
            out[key] += c.clips
    return out


def drawn(rows, emotion: str, what) -> Counter:
    out: Counter = Counter()
    for r in rows:
        if r.emotion == emotion:
            out.update(what(tuple(a.code for a in r.aus)))
    return out


def count(aus):
    return [min(len(aus), 4)]


def which(aus):
    return [side_less(a) for a in aus]


def sides(aus):
    return ["one side" if a != side_less(a) else "both" for a in aus]


@pytest.mark.parametrize("what", [count, which, sides], ids=["count", "aus", "laterality"])
def test_each_emotion_fires_what_real_micro_expressions_fire(rows, what):
    assert len(rows) >= 2000
    for emotion in EMOTIONS:
        assert tv(drawn(rows, emotion, what), source(emotion, what)) <= 0.05, emotion


def test_most_clips_fire_one_or_two_aus(rows):
    counts = Counter(len(r.aus) for r in rows)
    assert (counts[1] + counts[2]) / len(rows) > 0.85 and counts[1] > counts[2] > counts[3]
    assert {a.code for r in rows for a in r.aus} >= {"L12", "R14", "7", "4", "20", "2"}


def test_timing_is_the_observed_timing(rows):
    spec = plan_spec()
    t = observed.timings()
    inside = t[(t[:, 0] >= spec.duration_s[0]) & (t[:, 0] <= spec.duration_s[1])
               & (t[:, 1] >= spec.rise_fraction[0]) & (t[:, 1] <= spec.rise_fraction[1])]
    bins = np.arange(0.125, 0.45, 0.05)  # edges between the data's 5-ms steps
    want = Counter(np.digitize(inside[:, 0], bins).tolist())
    got = Counter(np.digitize([round(r.timing.offset_s - r.timing.onset_s, 4) for r in rows], bins).tolist())
    # the apex is put on a frame: the onset and offset move with it, the duration stays
    assert tv(got, want) <= 0.05
    rise = [(r.timing.apex_s - r.timing.onset_s) / (r.timing.offset_s - r.timing.onset_s) for r in rows]
    assert abs(np.median(rise) - np.median(inside[:, 1])) < 0.03
    assert max(r.timing.offset_s - r.timing.onset_s for r in rows) <= spec.duration_s[1] + 1e-6


def test_the_observed_tables_are_the_counted_labels():
    # 133 SAMM clips (ME-VQA training labels) and 131 CASME II samples of these emotions
    total = sum(c.clips for e in observed.emotions() for c in observed.combinations(e))
    lost = observed.unrenderable()
    assert total + lost["(combination left empty)"] == 264
    assert set(observed.emotions()) == set(EMOTIONS)
    assert aus_for("observed", "happiness") == ("12",)
    assert aus_for("observed", "anger") == ("7", "4")
    assert len(observed.timings()) == 244
    assert np.median(observed.timings()[:, 0]) == pytest.approx(0.3225)
