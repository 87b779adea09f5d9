"""Resume keys fingerprint the code an item's work runs, read from the imports."""

import dataclasses
from fractions import Fraction
from pathlib import Path

from equime import sources
from equime.artifacts.plan import Timing
from equime.retime import runner
from tests.fixtures import encoder, params


def test_the_closure_follows_imports_and_reads_package_data():
    found = sources.imported_modules(runner.RETIME_ROOTS)
    assert {"equime.recording.camera", "equime.retime.extract", "equime.faces.regions",
            "equime.plan.observed", "equime.facs", "equime"} <= set(found)
    assert "equime.compute.engine" not in found  # the scheduler shapes no byte
    # the measurements are not retime's: tuning the quality stage re-makes no retimed clip
    assert not [m for m in found if m.startswith("equime.quality")]
    assert {"equime.faces.flow", "equime.faces.aus"} <= set(found)
    assert sources.package_data(found["equime.plan.observed"]) == (
        "data/me_au_combinations.csv", "data/me_timing.csv")


def test_changing_the_camera_re_makes_every_retimed_clip(monkeypatch):
    """The camera (sensor noise) is code retime runs: a change to it changes every key."""
    p = params()
    job = runner.Job(clip_id="c", source=None, fps=Fraction(25), n_frames=10,
                     timing=Timing(onset_s=0.1, apex_s=0.2, offset_s=0.3, onset_frame=2, apex_frame=5,
                                   offset_frame=8, duration_s=0.2), planned=("12",),
                     emotion="happiness", motion_source="generated", passthrough=False,
                     neutral=None, seed=1)

    def key() -> str:
        return runner._key(job, p.retime, p.recording.camera, encoder(), "sha")

    before = key()
    assert key() == before
    camera = Path(sources.imported_modules(["equime.recording.camera"])["equime.recording.camera"])
    real = sources.source_bytes
    monkeypatch.setattr(sources, "source_bytes",
                        lambda path: real(path) + (b"\n# changed" if path == camera else b""))
    sources.code_fingerprint.cache_clear()
    try:
        assert key() != before
        assert runner._key(dataclasses.replace(job, emotion="anger"), p.retime,
                           p.recording.camera, encoder(), "sha") != key()
    finally:
        sources.code_fingerprint.cache_clear()
