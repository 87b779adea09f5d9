from pathlib import Path

import numpy as np

from equime.artifacts import curated
from equime.artifacts.curated import Curated, Subject
from equime.quality.assess import assess_videos
from equime.video import write_mp4
from tests import fixtures
from tests.fixtures import encoder


def test_records_do_not_depend_on_the_number_of_workers(tmp_path: Path):
    row, frames = fixtures.au12_clip()
    face = fixtures.aligned_astronaut()
    subject = Subject("astronaut", "a.png", "0" * 64, {}, face.landmarks)
    curated.write(tmp_path / "cur", Curated([subject], {"astronaut": face.image}, [], "none"))
    rows = [row.model_copy(update={"clip_id": f"astronaut_happiness_{i:02d}", "seq": i})
            for i in (1, 2, 3)]
    for r in rows[:2]:
        write_mp4(tmp_path / "vid" / f"{r.clip_id}.mp4", frames, r.fps, encoder(preset="ultrafast"))
    one = assess_videos(rows, tmp_path / "vid", tmp_path / "cur",
                        fixtures.params(**{"quality.workers": 1}).quality)
    two = assess_videos(rows, tmp_path / "vid", tmp_path / "cur",
                        fixtures.params(**{"quality.workers": 2}).quality)
    assert one == two
    records, curves, rejects = one.records, one.curves, one.rejects
    assert [r["clip_id"] for r in records] == ["astronaut_happiness_01", "astronaut_happiness_02"]
    assert rejects == [("astronaut_happiness_03", "no video (not generated)")]
    assert all(abs(r["apex_frame"] - row.apex_frame) <= 2 and "12" in r["aus_visible"]
               for r in records)
    assert len(curves) == 2 * row.n_frames
    assert np.isclose(records[0]["standard_ssim_min"], records[1]["standard_ssim_min"])
