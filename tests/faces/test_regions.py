"""The outline and the facial actions: a head turn's flow is on the outline, an AU's is not."""

import numpy as np

from equime.faces.regions import (
    action_weight,
    inner_face,
    moves_jaw,
    outline_band,
    outline_share,
    pin_outline,
)
from equime.facs import displacements
from tests.fixtures import face_image


def _dense(landmarks: np.ndarray, moved: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A flow field that is each pixel's nearest landmark's motion (enough for a ratio of
    medians over regions)."""
    h, w = shape
    gy, gx = np.mgrid[0:h, 0:w]
    pts = np.stack([gx.ravel(), gy.ravel()], 1)
    nearest = np.argmin(((pts[:, None, :] - landmarks[None]) ** 2).sum(-1), axis=1)
    return moved[nearest].reshape(h, w, 2).astype(np.float32)


def test_jaw_and_chin_aus_are_the_ones_that_move_the_outline():
    assert moves_jaw(["26"]) and moves_jaw(["4", "17"]) and moves_jaw(["L17"])
    assert not moves_jaw(["12", "R14", "1", "2", "5", "7"]) and not moves_jaw([])


def test_the_band_follows_the_jaw_and_leaves_the_chin_to_jaw_aus():
    face = face_image()
    shape = face.image.shape[:2]
    band, chin_free = (outline_band(face.landmarks, shape, j) for j in (False, True))
    x, y = np.round(face.landmarks[8]).astype(int)  # the chin's point
    assert band[y, x] and not chin_free[y, x]
    x, y = np.round(face.landmarks[2]).astype(int)  # a cheek's outline point: in both
    assert band[y, x] and chin_free[y, x]
    inner = inner_face(face.landmarks, shape)
    assert not (inner & band).any()
    x, y = np.round(face.landmarks[30]).astype(int)  # the nose tip is inner face
    assert inner[y, x]


def test_action_weight_pins_the_outline_and_keeps_the_mouth():
    face = face_image()
    weight = action_weight(face.landmarks, face.image.shape[:2], jaw_moves=False)
    for i, expected in ((4, 0.0), (8, 0.0), (62, 1.0), (30, 1.0), (21, 1.0)):
        x, y = np.round(face.landmarks[i]).astype(int)
        assert weight[y, x] == expected, i
    kept = action_weight(face.landmarks, face.image.shape[:2], jaw_moves=True)
    x, y = np.round(face.landmarks[8]).astype(int)
    assert kept[y, x] == 1.0


def test_outline_share_tells_a_head_turn_from_a_facial_action():
    face = face_image()
    lm, shape = face.landmarks, face.image.shape[:2]
    au12 = displacements({"12": 0.5}, lm)  # the mouth corners: nothing on the outline
    smile = outline_share(_dense(lm, au12, shape), lm, jaw_moves=False)
    # a yaw seen in 2D: the outline swings most, the face's centre least
    centre = lm[27:36].mean(axis=0)
    turn = np.zeros_like(lm)
    turn[:, 0] = 0.05 * np.abs(lm[:, 0] - centre[0])
    head = outline_share(_dense(lm, turn, shape), lm, jaw_moves=False)
    assert smile < 0.1 and head > 0.9


def test_pin_outline_puts_the_outline_back_and_keeps_the_rest():
    face = face_image()
    lm = face.landmarks
    moved = lm + 3.0
    pinned = pin_outline(lm, moved, jaw_moves=False)
    assert np.array_equal(pinned[:17], lm[:17]) and np.array_equal(pinned[17:], moved[17:])
    chin = pin_outline(lm, moved, jaw_moves=True)
    assert np.array_equal(chin[6:11], moved[6:11]) and np.array_equal(chin[:6], lm[:6])
