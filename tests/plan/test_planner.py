import re

import pytest

from equime.errors import ParamsError
from equime.plan.planner import PlanSubject, clip_seed, compose_prompt, plan_clips
from tests.fixtures import params, plan_spec

SUBJECTS = [PlanSubject("astronaut", "f"), PlanSubject("grace-hopper", "f"), PlanSubject("s3", "m")]


def test_rows_cover_subjects_emotions_and_sequences_in_order():
    rows = plan_clips(SUBJECTS, plan_spec(), base_seed=7)
    assert len(rows) == 3 * 5 * 2
    assert rows[0].clip_id == "astronaut_happiness_01" and rows[1].clip_id == "astronaut_happiness_02"
    assert rows[-1].clip_id == "s3_anger_02"
    assert len({r.clip_id for r in rows}) == len(rows)
    assert len({r.seed for r in rows}) == len(rows)


def test_rows_respect_the_params():
    spec = plan_spec()
    for r in plan_clips(SUBJECTS, spec, base_seed=7):
        assert r.n_frames == 144 and r.fps == 24 and (r.width, r.height) == (512, 512)
        assert 0 < r.onset_frame < r.apex_frame < r.offset_frame < r.n_frames
        assert 0.04 - 1e-6 <= r.offset_s - r.onset_s <= 0.2 + 1e-6
        assert 1.0 <= r.apex_s <= 5.0 and r.apex_s == pytest.approx(r.apex_frame / 24, abs=1e-6)
        assert all(0.2 <= a.intensity <= 0.4 and a.letter in "AB" for a in r.aus)
        assert [a.code for a in r.aus] == {"happiness": ["1", "6", "12", "14"],
                                          "sadness": ["1", "4", "15", "23"],
                                          "surprise": ["1", "2", "5", "15", "16", "20", "26"],
                                          "fear": ["1", "2", "4", "5", "15", "20", "26"],
                                          "anger": ["2", "4", "7", "9", "10", "20", "26"]}[r.emotion]
        for a in r.aus:
            assert f"(AU{a.code})" in r.prompt
        assert r.emotion in r.prompt and r.negative_prompt.startswith("worst quality")


def test_seeds_are_stable_and_independent_of_the_rest_of_the_plan():
    a = plan_clips(SUBJECTS, plan_spec(), base_seed=7)
    b = plan_clips(SUBJECTS[1:], plan_spec(), base_seed=7)
    assert a[10:] == b  # removing a subject changes nobody else's clips
    assert clip_seed(7, "s3_anger_02") == a[-1].seed
    assert plan_clips(SUBJECTS, plan_spec(), base_seed=8)[0] != a[0]


def test_emfacs_has_contempt_and_paper_does_not():
    spec = plan_spec(params(**{"plan.au_source": "emfacs", "plan.emotions": ["contempt"]}))
    rows = plan_clips(SUBJECTS[:1], spec, base_seed=1)
    assert [a.code for a in rows[0].aus] == ["R12", "R14"]
    bad = plan_spec(params(**{"plan.emotions": ["happiness", "contempt"]}))
    message = "plan.emotions: 'contempt' has no AU set in table 'paper'"
    with pytest.raises(ParamsError, match=re.escape(message)):
        plan_clips(SUBJECTS, bad, base_seed=1)


def test_bad_subject_ids_are_refused():
    with pytest.raises(Exception, match="not a valid id"):
        plan_clips([PlanSubject("../etc", "f")], plan_spec(), base_seed=1)


def test_prompt_lists_aus_with_their_facs_names():
    rows = plan_clips(SUBJECTS[:1], plan_spec(), base_seed=1)
    text = compose_prompt("{emotion}: {aus}; {intensity}, {duration} s", "happiness", rows[0].aus, 0.1)
    assert text == ("happiness: inner brow raiser (AU1), cheek raiser (AU6), lip corner puller "
                    "(AU12) and dimpler (AU14); slight, 0.10 s")


def test_emotions_per_subject_are_balanced_within_each_cell():
    from collections import Counter

    from equime.plan.planner import assign_emotions, emotion_balance

    emotions = ("happiness", "sadness", "surprise", "fear", "anger")
    people = [PlanSubject(f"s{i:02d}", "f", "f/white" if i < 7 else "m/asian") for i in range(11)]
    chosen = assign_emotions(people, emotions, 2, base_seed=5)
    assert all(len(v) == 2 and len(set(v)) == 2 for v in chosen.values())
    for cell, size in (("f/white", 7), ("m/asian", 4)):
        counts = Counter(e for p in people if p.cell == cell for e in chosen[p.subject])
        assert sum(counts.values()) == 2 * size
        assert max(counts[e] for e in emotions) - min(counts[e] for e in emotions) <= 1
    spec = plan_spec(params(**{"plan.emotions_per_subject": 2}))
    rows = plan_clips(people, spec, base_seed=5)
    assert len(rows) == 11 * 2 * 2
    cells = {p.subject: p.cell for p in people}
    assert emotion_balance(rows, cells, emotions) == {"f/white": 2, "m/asian": 2}  # 2 seqs each
    assert assign_emotions(people, emotions, None, 5)["s00"] == emotions
    with pytest.raises(ParamsError, match=r"plan\.emotions_per_subject: 6 is more than the 5"):
        params(**{"plan.emotions_per_subject": 6})
