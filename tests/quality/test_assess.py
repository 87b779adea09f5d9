from pathlib import Path

import numpy as np
import pytest

from equime.artifacts import curated, quality
from equime.artifacts.curated import Curated, Subject
from equime.quality import assess
from equime.quality.assess import assess_videos
from equime.resume import ItemStore
from equime.video import write_mp4
from tests import fixtures
from tests.fixtures import encoder
from tests.hostile import REFUSED, hostile_folder


@pytest.mark.slow  # measures clips in worker processes (~15 s)
def test_records_do_not_depend_on_the_number_of_workers(tmp_path: Path):
    row, frames = fixtures.au12_clip()
    face = fixtures.aligned_astronaut()
    subject = Subject("astronaut", "a.png", "0" * 64, {}, face.landmarks)
    curated.write(tmp_path / "cur", Curated([subject], [], "none"), {"astronaut": face.image})
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
    assert all(abs(r["apex_frame"] - row.timing.apex_frame) <= 2 and "12" in r["aus_visible"]
               for r in records)
    assert len(curves) == 2 * row.n_frames
    assert np.isclose(records[0]["standard_ssim_min"], records[1]["standard_ssim_min"])


@pytest.mark.slow  # measures clips in worker processes (~15 s)
def test_a_stopped_run_resumes_from_its_finished_clips_to_the_same_bytes(tmp_path: Path,
                                                                          monkeypatch):
    row, frames = fixtures.au12_clip()
    face = fixtures.aligned_astronaut()
    subject = Subject("astronaut", "a.png", "0" * 64, {}, face.landmarks)
    curated.write(tmp_path / "cur", Curated([subject], [], "none"), {"astronaut": face.image})
    rows = [row.model_copy(update={"clip_id": f"astronaut_happiness_{i:02d}", "seq": i})
            for i in (1, 2)]
    for r in rows:
        write_mp4(tmp_path / "vid" / f"{r.clip_id}.mp4", frames, r.fps, encoder(preset="ultrafast"))
    q = fixtures.params(**{"quality.workers": 1}).quality
    store = ItemStore(tmp_path / "q")
    measured: list[str] = []
    real = assess._measure
    monkeypatch.setattr(assess, "_measure", lambda info, *a: measured.append(info.clip_id)
                        or real(info, *a))

    def run() -> dict[str, bytes]:
        measured.clear()
        result = assess_videos(rows, tmp_path / "vid", tmp_path / "cur", q, store)
        quality.write(tmp_path / "q", result.records, result.curves, result.rejects, b"png")
        return {p.name: p.read_bytes() for p in sorted((tmp_path / "q").iterdir())}

    clean = run()  # a whole run from nothing
    assert measured == [r.clip_id for r in rows]
    # a kill after the first clip: the second clip's entry was never written
    (store.folder / f"{store._stem(rows[1].clip_id)}.json").unlink()
    assert run() == clean and measured == [rows[1].clip_id]
    # a changed clip is measured again, not taken from the store
    write_mp4(tmp_path / "vid" / f"{rows[0].clip_id}.mp4", frames[::-1], row.fps,
              encoder(preset="ultrafast"))
    run()
    assert measured == [rows[0].clip_id]


@pytest.mark.slow  # measures a folder of every kind of broken file (~5 s)
def test_a_hostile_folder_gives_a_record_or_a_reject_for_every_video(tmp_path: Path):
    _, frames = fixtures.au12_clip()
    good = tmp_path / "good.mp4"
    write_mp4(good, frames, 24, encoder(preset="ultrafast"))
    folder = hostile_folder(tmp_path / "in", good)
    q = fixtures.params(**{"quality.modes": ["standard"]}).quality
    done = assess.assess_folder(folder, q, None)
    assert [r["clip_id"] for r in done.records] == ["good"]
    names = [c if c.endswith(".mp4") else f"{c}.mp4" for c, _ in done.rejects]
    assert sorted(names) == sorted(REFUSED)
    for name, (_, reason) in zip(names, done.rejects, strict=True):
        assert REFUSED[name] in reason, (name, reason)
