import cv2
import numpy as np
import pytest

from equime.quality.assess import landmarks_at
from equime.quality.au_fidelity import au_fidelity
from equime.quality.motion import measure_motion
from tests import fixtures
from tests.fixtures import detector, face_image


@pytest.fixture(scope="module")
def au12():
    return fixtures.au12_clip()


def test_detected_apex_and_brevity_match_the_plan(au12):
    row, frames = au12
    m = measure_motion(frames, face_image().landmarks, row.fps, 0.5, 0.05)
    assert abs(m.apex_frame - row.apex_frame) <= 2
    assert m.onset_frame <= row.apex_frame <= m.offset_frame
    assert 0 < m.half_peak_s <= 0.2 and m.peak_px > 0.1
    assert m.head_motion_px < 0.5
    assert np.all(m.curve[: row.onset_frame + 1] == 0)


def test_a_head_shift_is_rigid_motion_not_an_expression():
    face = face_image()
    frames = np.repeat(face.image[None], 30, axis=0)
    shift = np.float32([[1, 0, 3], [0, 1, 2]])
    for t in range(10, 20):
        frames[t] = cv2.warpAffine(face.image, shift, (512, 512), borderMode=cv2.BORDER_REFLECT)
    m = measure_motion(frames, face.landmarks, 24, 0.5, 0.05)
    assert m.head_motion_px > 2.5  # |(3, 2)| = 3.6 px
    assert m.peak_px < 0.5


def test_planned_au12_is_found_at_the_apex(au12):
    row, frames = au12
    neutral = landmarks_at(detector(), frames[0])
    apex = landmarks_at(detector(), frames[row.apex_frame])
    fid = au_fidelity(neutral, apex, ["12"], threshold=0.1)
    assert fid.visible == ("12",) and fid.fidelity == 1.0
    assert fid.estimated["12"] > 0.2
    # the neutral frame against itself shows nothing
    still = au_fidelity(neutral, neutral, ["12"], threshold=0.1)
    assert still.visible == () and still.unplanned == ()
