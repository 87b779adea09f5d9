"""A 100k-row plan dispatched through Ray in a dry run: every clip's work reaches a worker and
comes back checked (seed, frame count, render key), in plan order; nothing is written."""

from pathlib import Path

import pandas as pd
import pytest

from equime.artifacts import curated
from equime.generate.runner import generate, render_key
from equime.generate.warp import WarpRenderer
from equime.plan.planner import PlanSubject, plan_clips
from tests.fixtures import params

ROWS = 100_000


@pytest.mark.slow
def test_a_100k_row_plan_goes_through_ray_in_a_dry_run(tmp_path: Path, ray_cluster):
    p = params()
    base = plan_clips([PlanSubject("s0000000", "f")], p.plan, p.base.seed)  # 10 clips a subject
    rows = [r.model_copy(update={"clip_id": f"s{i:07d}{r.clip_id[8:]}", "subject": f"s{i:07d}",
                                 "seed": (r.seed + i) % 2**32})
            for i in range(ROWS // len(base)) for r in base]
    missing = rows[-1].subject  # not curated: its clips fail with the reason, the run goes on
    table = pd.DataFrame([{"subject_id": f"s{i:07d}", "source": "", "sha256": "",
                           "attributes_source": "none", "attributes": "{}", "landmarks": "[]"}
                          for i in range(ROWS // len(base) - 1)], columns=curated.SUBJECT_COLUMNS)
    (tmp_path / "cur").mkdir()
    table.to_csv(tmp_path / "cur" / "subjects.csv", index=False)
    compute = p.compute.model_copy(update={"engine": "ray"})
    report = generate(rows, tmp_path / "cur", tmp_path / "videos", p.generate, p.recording,
                      compute=compute, dry_run=True)
    assert len(rows) == ROWS and report.count("checked") == ROWS - len(base)
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.clip_id for o in failed] == [r.clip_id for r in rows[-len(base):]]
    assert failed[0].detail.startswith(f"InputError: subject '{missing}' of ")
    assert report.records == []  # nothing was made
    assert [r.clip_id for r in report.checked] == [r.clip_id for r in rows[:-len(base)]]
    assert [r.seed for r in report.checked[:5]] == [r.seed for r in rows[:5]]
    k = 54_321
    assert report.checked[k].render_key == render_key(
        rows[k], WarpRenderer(p.generate.warp, p.recording),
        p.generate.encoder())
    assert not (tmp_path / "videos").exists()  # a dry run writes nothing
