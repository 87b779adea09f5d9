import cv2
import numpy as np

from equime.faces.align import align_face, target_eyes
from equime.facs import eye_centres
from tests.fixtures import aligned_astronaut, astronaut, detector

TARGET = target_eyes(512, 0.24, 0.42)  # the fixture's alignment


def test_aligned_landmarks_put_the_eyes_on_target():
    a = aligned_astronaut()
    np.testing.assert_allclose(np.stack(eye_centres(a.landmarks)), TARGET, atol=1e-6)
    assert a.image.shape == (512, 512, 3)


def test_redetected_eyes_land_where_the_alignment_says():
    a = aligned_astronaut()
    faces = detector().detect(a.image)
    assert len(faces) >= 1
    found = np.stack(eye_centres(faces[0].landmarks))
    assert np.abs(found - TARGET).max() < 4.0  # px, at 512: dlib's own jitter


def test_a_tilted_large_photo_is_levelled_and_shrunk_without_aliasing():
    big = cv2.resize(astronaut(), (1600, 1600), interpolation=cv2.INTER_CUBIC)
    m = cv2.getRotationMatrix2D((800, 800), 20, 1.0)
    tilted = cv2.warpAffine(big, m, (1600, 1600), borderMode=cv2.BORDER_REFLECT)
    face = detector().detect(tilted)[0]
    a = align_face(tilted, face.landmarks, size=256, eye_distance=0.3, eye_y=0.4)
    left, right = eye_centres(a.landmarks)
    assert abs(left[1] - right[1]) < 1e-6  # eye line horizontal
    redetected = detector().detect(a.image)[0]
    lf, rf = eye_centres(redetected.landmarks)
    assert abs(np.degrees(np.arctan2(rf[1] - lf[1], rf[0] - lf[0]))) < 4.0


def test_a_large_reduction_shrinks_first_and_still_lands_the_eyes():
    face = detector().detect(astronaut())[0]
    a = align_face(astronaut(), face.landmarks, size=64, eye_distance=0.24, eye_y=0.42)
    assert a.image.shape == (64, 64, 3)
    np.testing.assert_allclose(np.stack(eye_centres(a.landmarks)), target_eyes(64, 0.24, 0.42),
                               atol=1e-6)
