import cv2
import numpy as np
import pytest

from equime.quality.au_fidelity import au_fidelity
from equime.quality.motion import expression_extent, measure_motion
from tests import fixtures
from tests.fixtures import detector, face_image

Q = fixtures.params().quality


@pytest.fixture(scope="module")
def au12():
    return fixtures.au12_clip()


def test_detected_apex_and_brevity_match_the_plan(au12):
    row, frames = au12
    m = measure_motion(frames, face_image().landmarks, row.fps, Q)
    x = m.extent
    assert abs(x.apex_frame - row.timing.apex_frame) <= 2
    assert x.onset_frame <= row.timing.onset_frame + 1 and x.offset_frame >= row.timing.offset_frame - 1
    assert x.onset_frame < row.timing.apex_frame < x.offset_frame
    assert x.returns and x.outside_frames == 0
    assert (x.offset_frame - x.onset_frame) / row.fps == x.duration_s <= 0.2 + 2 / row.fps
    assert 0 < x.half_peak_s <= 0.2 and 2.0 < m.peak_px < 4.0  # AU12 at 0.4: lip corners ~3 px
    assert m.floor_px == Q.motion_floor_px and m.blinks == ()  # a clean clip: no noise
    assert m.head_motion_px < 0.5
    assert np.all(m.curve[: row.timing.onset_frame + 1] == 0)


def test_a_head_shift_is_rigid_motion_not_an_expression():
    face = face_image()
    frames = np.repeat(face.image[None], 30, axis=0)
    shift = np.float32([[1, 0, 3], [0, 1, 2]])
    for t in range(10, 20):
        frames[t] = cv2.warpAffine(face.image, shift, (512, 512), borderMode=cv2.BORDER_REFLECT)
    m = measure_motion(frames, face.landmarks, 24, Q)
    assert m.head_motion_px > 2.5  # |(3, 2)| = 3.6 px
    assert m.peak_px < 0.5


def test_planned_au12_is_found_at_the_apex(au12):
    row, frames = au12
    neutral = detector().fine_landmarks(frames[0])
    apex = detector().fine_landmarks(frames[row.timing.apex_frame])
    fid = au_fidelity(neutral, apex, ["12"], threshold=0.1)
    assert fid.visible == ("12",) and fid.fidelity == 1.0
    assert fid.estimated["12"] > 0.2
    # the neutral frame against itself shows nothing
    still = au_fidelity(neutral, neutral, ["12"], threshold=0.1)
    assert still.visible == () and still.unplanned == ()


def _me(n: int = 144, apex: int = 60, width: int = 2) -> np.ndarray:
    """A true micro-expression curve: still, a brief raised-cosine bump, still again."""
    t = np.arange(n, dtype=float)
    return np.where(np.abs(t - apex) <= width, 1.5 * np.cos(np.pi * (t - apex) / (2 * width + 2)) ** 2,
                    0.0)


def test_a_true_micro_expression_is_brief_returns_and_is_still_around():
    x = expression_extent(_me(), 24, 0.05, 0.1)
    assert (x.apex_frame, x.onset_frame, x.offset_frame) == (60, 57, 63)
    assert x.duration_s == pytest.approx(6 / 24) and x.returns and x.outside_frames == 0


def test_a_sustained_expression_with_a_spike_is_long_even_if_its_half_peak_run_is_short():
    curve = np.where(np.arange(162) >= 10, 0.4, 0.0)  # rises and stays up
    curve[29] = 1.3  # one spike: only 1 frame above half its peak
    x = expression_extent(curve, 24, 0.05, 0.1)
    assert x.half_peak_s == pytest.approx(1 / 24)  # what the old check measured: "brief"
    assert not x.returns and x.offset_frame == 162
    assert x.duration_s == pytest.approx((162 - 9) / 24)  # 6.38 s, onset → end of the clip


def test_noise_alone_is_no_movement_and_a_second_movement_is_seen():
    rng = np.random.default_rng(0)
    noise = np.abs(rng.normal(0, 0.01, 144))
    noise[noise < 0.05] = 0.0  # what measure_motion does below the noise floor
    assert expression_extent(noise, 24, 0.05, 0.1).peak_px == 0.0
    twice = _me() + _me(apex=110)
    x = expression_extent(twice, 24, 0.05, 0.1)
    assert x.returns and x.outside_frames == 5 and x.duration_s == pytest.approx(6 / 24)
