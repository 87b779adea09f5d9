"""Spotting on filmed clips (camera noise, a living face, AU shading), built in code: the ME is
found, a blink is reported as a blink and never taken for it, noise and sway are no movement."""

import numpy as np
import pytest

from equime.generate.warp import WarpRenderer
from equime.quality.filter import verdict
from equime.quality.motion import measure_motion
from equime.video import read_mp4, write_mp4
from tests import fixtures
from tests.fixtures import face_image, single_au_row

# end to end for one clip: each test films whole clips (living face, shading, camera), encodes
# and measures them (~21 s for the three)
pytestmark = pytest.mark.slow

P = fixtures.params()
Q = P.quality


def _renderer(**recording: object) -> WarpRenderer:
    tree = {"recording.camera.enabled": True, "recording.face.enabled": True,
            "recording.appearance.enabled": True, **recording}
    p = fixtures.params(**tree)
    return WarpRenderer(p.generate.warp, p.recording)


def _filmed(tmp_path, renderer: WarpRenderer, row) -> np.ndarray:
    """The clip through the encoder and back, as the quality stage sees it."""
    path = tmp_path / f"{row.clip_id}.mp4"
    write_mp4(path, renderer.frames(row, face_image()), row.fps, fixtures.encoder())
    return read_mp4(path)


def _record(m) -> dict:
    x = m.extent
    return {"clip_id": "c", "peak_motion_px": x.peak_px, "duration_s": x.duration_s,
            "returns_to_neutral": x.returns, "moving_outside_frames": x.outside_frames,
            "head_motion_px": m.head_motion_px, "au_fidelity": float("nan"), "aus_missing": "",
            "blinks": len(m.blinks), "blink_frames": ";".join(f"{a}-{b}" for a, b in m.blinks)}


@pytest.fixture(scope="module")
def still_row():
    """An AU so faint (1e-4) that nothing moves: the clip is the face being filmed."""
    return single_au_row("12", intensity=1e-4, apex_frame=30, n_frames=72)


def test_a_blink_alone_is_no_micro_expression_and_is_reported(tmp_path, still_row):
    r = _renderer(**{"recording.face.blinks_per_min": 40.0})
    planned = r.live(still_row).blinks
    assert planned  # this seed blinks
    m = measure_motion(_filmed(tmp_path, r, still_row), face_image().landmarks, still_row.fps, Q)
    assert len(m.blinks) == len(planned)
    for (start, end), (a, b) in zip(planned, m.blinks, strict=True):
        assert start * still_row.fps - 1 <= a <= b <= end * still_row.fps + 1
    reasons = verdict(_record(m), P.filter)
    assert m.peak_px == 0.0 and reasons[0].startswith("no micro-expression")
    assert f"blinks seen: {len(planned)}" in reasons[0]


def test_camera_noise_alone_is_no_movement(tmp_path, still_row):
    r = _renderer(**{"recording.face.enabled": False})
    m = measure_motion(_filmed(tmp_path, r, still_row), face_image().landmarks, still_row.fps, Q)
    assert m.peak_px == 0.0 and m.blinks == ()
    assert m.floor_px > 3 * Q.motion_floor_px  # the floor is the clip's measured noise
    assert m.head_motion_px < 0.6


def test_an_me_on_a_swaying_breathing_face_passes(tmp_path):
    row = single_au_row("12", intensity=0.3, apex_frame=40, n_frames=96)
    r = _renderer(**{"recording.face.blinks_per_min": 0.0, "recording.face.sway_iod": 0.003})
    assert np.abs(r.live(row).shift).max() > 0.002  # the head moves: ≥ 0.25 px
    m = measure_motion(_filmed(tmp_path, r, row), face_image().landmarks, row.fps, Q)
    assert abs(m.apex_frame - row.timing.apex_frame) <= 2
    assert 0.2 < m.head_motion_px < P.filter.max_head_motion_px
    assert verdict(_record(m), P.filter) == []
