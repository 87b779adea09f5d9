import numpy as np
import pytest

from equime.facs import displacements
from equime.generate.warp import displacement_field, merge_close
from equime.video import read_mp4, write_mp4
from tests import fixtures
from tests.fixtures import detector, encoder, face_image


@pytest.fixture(scope="module")
def au12_clip():
    return fixtures.au12_clip()


def test_au12_moves_the_lip_corners_out_and_up_at_the_apex(au12_clip):
    row, frames = au12_clip
    neutral = detector().detect(frames[0])[0].landmarks
    apex = detector().detect(frames[row.timing.apex_frame])[0].landmarks
    moved = apex - neutral  # dlib gives whole pixels, with ±1-2 px jitter
    assert moved[48, 0] <= -1.5 and moved[54, 0] >= 1.5  # outward
    assert moved[48, 1] <= -1.0 and moved[54, 1] <= -1.0  # upward
    # nothing above the eyes moves: the brow band is bit-identical to the neutral face
    lm = face_image().landmarks
    top = int(lm[17:27, 1].min()) - 20
    bottom = int(lm[36:48, 1].min()) - 5
    assert np.array_equal(frames[row.timing.apex_frame][top:bottom], frames[0][top:bottom])


def test_frames_outside_the_expression_are_the_neutral_face(au12_clip):
    row, frames = au12_clip
    face = face_image().image
    moving = [k for k in range(row.n_frames) if not np.array_equal(frames[k], face)]
    assert moving == list(range(row.timing.onset_frame + 1, row.timing.offset_frame))
    assert row.timing.onset_frame < row.timing.apex_frame < row.timing.offset_frame


def test_after_encoding_neutral_frames_match_within_codec_noise(au12_clip, tmp_path):
    row, frames = au12_clip
    write_mp4(tmp_path / "c.mp4", frames, row.fps, encoder())
    decoded = read_mp4(tmp_path / "c.mp4").astype(int)
    still = [k for k in range(row.n_frames) if k <= row.timing.onset_frame or k >= row.timing.offset_frame]
    noise = np.abs(decoded[still] - decoded[0]).mean(axis=(1, 2, 3))
    x0, y0 = face_image().landmarks[48:68].min(axis=0).astype(int) - 10
    x1, y1 = face_image().landmarks[48:68].max(axis=0).astype(int) + 10
    mouth = np.abs(decoded[row.timing.apex_frame, y0:y1, x0:x1] - decoded[0, y0:y1, x0:x1]).mean()
    assert noise.max() < 0.1  # grey levels, whole frame
    assert mouth > 3.0


def test_field_is_local_exact_at_landmarks_and_survives_coincident_points():
    face = face_image()
    lm = face.landmarks.copy()
    lm[66] = lm[62]  # a closed mouth: dlib puts inner lips on one point
    moves = displacements({"26": 0.4, "12": 0.3}, lm)
    field = displacement_field(lm, moves, 512, 512, 8)
    mag = np.hypot(field[..., 0], field[..., 1])
    assert mag.max() < 1.5 * np.hypot(*moves.T).max()  # no blow-up
    x, y = np.round(lm[54]).astype(int)
    np.testing.assert_allclose(field[y, x], moves[54], atol=0.35)
    assert mag[:60].max() == 0 and mag[:, :40].max() == 0  # hair and background still


def test_merge_close_averages_coincident_points():
    pts = np.array([[0.0, 0.0], [0.5, 0.0], [10.0, 0.0]])
    vals = np.array([[1.0, 0.0], [3.0, 0.0], [5.0, 5.0]])
    p, v = merge_close(pts, vals, 2.0)
    order = np.argsort(p[:, 0])
    np.testing.assert_allclose(p[order], [[0.25, 0.0], [10.0, 0.0]])
    np.testing.assert_allclose(v[order], [[2.0, 0.0], [5.0, 5.0]])


def test_the_camera_records_the_rendered_clip_and_keys_it():
    from equime.generate.warp import WarpRenderer

    row, clean = fixtures.au12_clip()
    recording = fixtures.params(**{"recording.camera.enabled": True}).recording
    filmed = WarpRenderer(fixtures.params().generate.warp, recording)
    frames = filmed.render(row, fixtures.face_image())
    assert frames.shape == clean.shape and frames.dtype == np.uint8
    diff = np.abs(frames.astype(int) - clean.astype(int))
    assert 1.5 < diff.mean() < 6  # sensor noise of a few grey levels on every frame
    assert "camera" in filmed.params() and "camera" not in fixtures.warp().params()
