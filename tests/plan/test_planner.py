import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from benchmarks.scale_fixtures import peak_rss_mb, write_subjects

from equime.artifacts import plan
from equime.errors import InputError, ParamsError
from equime.plan import planner
from equime.plan.planner import PlanSubject, PlanTally, clip_seed, compose_prompt, iter_clips, plan_clips
from tests.fixtures import REPO, default_params_dict, params, plan_spec

SUBJECTS = [PlanSubject("astronaut", "f"), PlanSubject("grace-hopper", "f"), PlanSubject("s3", "m")]


def test_rows_cover_subjects_emotions_and_sequences_in_order():
    rows = plan_clips(SUBJECTS, plan_spec(), base_seed=7)
    assert len(rows) == 3 * 5 * 2
    assert rows[0].clip_id == "astronaut_happiness_01" and rows[1].clip_id == "astronaut_happiness_02"
    assert rows[-1].clip_id == "s3_anger_02"
    assert len({r.clip_id for r in rows}) == len(rows)
    assert len({r.seed for r in rows}) == len(rows)


PAPER = {"plan.au_source": "paper", "plan.duration_s": [0.04, 0.2],
         "plan.rise_fraction": [0.35, 0.5], "plan.intensity": [0.2, 0.4]}


def test_rows_respect_the_params():
    spec = plan_spec(params(**PAPER))
    for r in plan_clips(SUBJECTS, spec, base_seed=7):
        assert r.n_frames == 144 and r.fps == 24 and (r.width, r.height) == (512, 512)
        assert 0 < r.timing.onset_frame < r.timing.apex_frame < r.timing.offset_frame < r.n_frames
        assert 0.04 - 1e-6 <= r.timing.offset_s - r.timing.onset_s <= 0.2 + 1e-6
        assert 1.0 <= r.timing.apex_s <= 5.0
        assert r.timing.apex_s == pytest.approx(r.timing.apex_frame / 24, abs=1e-6)
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
    bad = plan_spec(params(**{**PAPER, "plan.emotions": ["happiness", "contempt"]}))
    message = "plan.emotions: 'contempt' has no AU set in table 'paper'"
    with pytest.raises(ParamsError, match=re.escape(message)):
        plan_clips(SUBJECTS, bad, base_seed=1)


def test_bad_subject_ids_are_refused():
    with pytest.raises(Exception, match="not a valid id"):
        plan_clips([PlanSubject("../etc", "f")], plan_spec(), base_seed=1)


def test_prompt_lists_aus_with_their_facs_names():
    rows = plan_clips(SUBJECTS[:1], plan_spec(params(**PAPER)), base_seed=1)
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


def test_rows_are_planned_one_at_a_time(monkeypatch: pytest.MonkeyPatch):
    made = []

    def counted(subject: str, *args: object) -> object:
        made.append(subject)
        return real(subject, *args)

    real = planner.plan_clip
    monkeypatch.setattr(planner, "plan_clip", counted)
    rows = iter_clips(SUBJECTS, plan_spec(), base_seed=7)
    assert isinstance(rows, Iterator) and made == []
    assert next(rows).clip_id == "astronaut_happiness_01" and made == ["astronaut"]


def test_the_streamed_plan_is_what_the_plan_written_whole_was(tmp_path: Path):
    """Plan, timing table and metrics made a row at a time are, byte for byte, what the writers
    of the whole list made: JSON lines joined, a pandas table, numpy means."""
    people = [PlanSubject(f"s{i}", "fm"[i % 2], f"cell{i % 3}") for i in range(7)]
    spec = plan_spec()
    tally = PlanTally({p.subject: p.cell for p in people}, spec.emotions)
    with plan.writing(tmp_path / "plan.jsonl", tmp_path / "timing.csv") as write:
        for row in iter_clips(people, spec, base_seed=7):
            write(row)
            tally.add(row)
    rows = plan_clips(people, spec, base_seed=7)
    assert (tmp_path / "plan.jsonl").read_bytes() == "".join(
        json.dumps(r.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) + "\n"
        for r in rows).encode()
    assert plan.read_plan(tmp_path / "plan.jsonl") == rows
    timing = pd.DataFrame([{"clip_id": r.clip_id, "emotion": r.emotion, "apex_s": t.apex_s,
                            "duration_ms": round(t.duration_s * 1000, 2),
                            "expressive_frames": t.offset_frame - t.onset_frame - 1}
                           for r in rows for t in [r.timing]])
    assert (tmp_path / "timing.csv").read_bytes() == \
        timing.to_csv(index=False, lineterminator="\n").encode()
    durations = np.array([r.timing.offset_s - r.timing.onset_s for r in rows])
    assert tally.metrics() == {
        "clips": 70, "clips_by_emotion": dict.fromkeys(sorted(spec.emotions), 14),
        "emotion_imbalance_max": 0,
        "duration_s": {"min": round(float(durations.min()), 4),
                       "mean": round(float(durations.mean()), 4),
                       "max": round(float(durations.max()), 4)},
        "expressive_frames_mean": round(float(np.mean(
            [r.timing.offset_frame - r.timing.onset_frame - 1 for r in rows])), 3)}
    with pytest.raises(InputError, match=r"^plan: no clips planned: the selection has no subj"):
        PlanTally({}, spec.emotions).metrics()


@pytest.mark.slow  # plans 2k and 20k rows in two processes (benchmarks/bench_scale.py: 10k, 100k)
def test_plan_stage_memory_is_flat_in_the_row_count(tmp_path: Path):
    """The plan stage's peak memory at 20k rows is at most 1.5× its peak at 2k rows (holding
    every row, ~11 KB each, it peaked near 1.9× there)."""
    tree = default_params_dict()
    tree["plan"].update(emotions=["happiness", "sadness", "surprise", "fear", "anger"],
                        sequences_per_subject=2, emotions_per_subject=None)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    peaks = {}
    for subjects in (200, 2_000):  # × 5 emotions × 2 sequences: 2k and 20k rows
        write_subjects(tmp_path / f"subjects-{subjects}.csv", subjects)
        peaks[subjects] = peak_rss_mb(
            [sys.executable, "-P", str(REPO / "stages" / "plan.py"),
             "--subjects", f"subjects-{subjects}.csv", "--out", f"plan-{subjects}.jsonl",
             "--plot", f"timing-{subjects}.csv"], cwd=tmp_path)
    with (tmp_path / "plan-2000.jsonl").open() as f:
        assert sum(1 for _ in f) == 20_000
    assert peaks[2_000] <= 1.5 * peaks[200], f"peak RSS MiB by subjects: {peaks}"
