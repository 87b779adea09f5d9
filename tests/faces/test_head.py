"""The head's pose on the generic face: a turn and a nod are found, an expression is left."""

import numpy as np

from equime.faces.head import Pose, fit_pose, generic_face
from equime.facs import displacements
from tests.fixtures import face_image


def test_the_generic_face_is_a_cylinder_with_the_nose_in_front():
    lm = face_image().landmarks
    face, origin = generic_face(lm)
    assert np.allclose(face[:, :2] + origin, lm)  # seen from the front it is the neutral
    assert face[30, 2] == face[:, 2].max()  # the nose tip is nearest the camera
    assert face[0, 2] < face[36, 2] < face[39, 2]  # the outline at the back, the eyes between


def test_a_turn_and_a_nod_are_found_and_a_smile_is_left_to_the_face():
    lm = face_image().landmarks
    face, origin = generic_face(lm)
    truth = Pose(np.radians([6.0, 14.0, 2.0]), 1.04, origin + np.array([5.0, -3.0]))
    smile = displacements({"12": 0.5, "6": 0.3}, lm)
    frame = truth.project(face) + smile
    found = fit_pose(face, frame, origin)
    assert np.allclose(found.degrees, truth.degrees, atol=0.5)
    action = frame - found.project(face)
    assert np.abs(action[[48, 54]] - smile[[48, 54]]).max() < 0.05 * np.abs(smile).max()
    assert np.abs(action[27:31]).max() < 0.2  # the nose stays where the head put it
    # the neutral is its own pose: the identity
    still = fit_pose(face, lm, origin)
    assert np.allclose(still.project(face), lm, atol=1e-6) and np.allclose(still.degrees, 0)
