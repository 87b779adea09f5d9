"""The head's 3D pose from 68 2D landmarks, on a generic 3D face made from the neutral face.

A 2D similarity cannot undo a head that turns (yaw) or nods (pitch): the face's parts lie at
different depths, so they move by different amounts, and what is left looks like motion along
the outline, the eye contours and the nose. Here the neutral face's landmarks are lifted to 3D on
a cylinder through the face outline (the cylindrical head model of La Cascia, Sclaroff & Athitsos,
"Fast, reliable head tracking under varying illumination", IEEE TPAMI 22(4), 2000), with the
nose standing out of it (anthropometric averages, Farkas, "Anthropometry of the Head and Face",
1994: the nasal tip ~20 mm in front of the eyes, the eyes ~62 mm apart). A frame's pose is
the scaled orthographic projection (weak perspective, the usual camera for a face far from the
lens against its depth; it needs no focal length, unlike ``cv2.solvePnP``) that best maps that
3D face onto the frame's landmarks where no AU but the jaw's moves the skin, fitted robustly
(scipy's ``least_squares``, soft-L1): the head's motion, not the expression's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from equime.facs import interocular

# depth in front of the cylinder (interocular units) of the nose's landmarks: bridge to tip,
# then the nostrils and the point under the tip
NOSE_DEPTH_IOD = {27: 0.08, 28: 0.15, 29: 0.23, 30: 0.32, 31: 0.10, 32: 0.14, 33: 0.18,
                  34: 0.14, 35: 0.10}
# landmarks that only the head moves (facs: no AU moves them): the outline at the ears and the
# cheeks (the cheek raiser moves 1, 2, 14, 15 and the outer eye corners, the jaw 4-12), the
# nose's bridge and tip, the inner eye corners
POSE_LANDMARKS = (0, 3, 13, 16, 27, 28, 29, 30, 33, 39, 42)
NOISE_IOD = 0.02  # the robust fit's scale: a landmark's error beyond this counts less
MAX_STEPS = 10  # Gauss-Newton steps
STEP_TOLERANCE = 1e-4  # radians, log scale and px: far below a landmark's noise


def generic_face(neutral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(68, 3) the neutral's landmarks lifted to 3D, centred on the cylinder's axis (x right,
    y down, z towards the camera; px): depth on a cylinder whose width is the outline's
    (landmarks 0 and 16 on its rim), the nose in front of it; and (2,) where that centre is in
    the neutral image."""
    unit = interocular(neutral)
    cx = float(neutral[27:31, 0].mean())  # the nose bridge: the face's midline
    radius = max(float(neutral[16, 0] - neutral[0, 0]) / 2, unit)
    u = np.clip((neutral[:, 0] - cx) / radius, -1.0, 1.0)
    z = radius * np.sqrt(1.0 - u * u)
    for i, d in NOSE_DEPTH_IOD.items():
        z[i] += d * unit
    cy = float(neutral[:, 1].mean())
    return np.stack([neutral[:, 0] - cx, neutral[:, 1] - cy, z - z.max()], 1), np.array([cx, cy])


@dataclass(frozen=True)
class Pose:
    rotation: np.ndarray  # (3,) rotation vector (radians): pitch (x), yaw (y), roll (z)
    scale: float
    shift: np.ndarray  # (2,) px

    def project(self, face: np.ndarray) -> np.ndarray:
        """(N, 2) where the 3D points of ``face`` appear under this pose."""
        turned = Rotation.from_rotvec(self.rotation).apply(face)
        return self.scale * turned[:, :2] + self.shift

    @property
    def degrees(self) -> tuple[float, float, float]:
        """(pitch, yaw, roll) in degrees."""
        x, y, z = np.degrees(Rotation.from_rotvec(self.rotation).as_euler("xyz"))
        return float(x), float(y), float(z)


def fit_pose(face: np.ndarray, landmarks: np.ndarray, origin: np.ndarray,
             points: tuple[int, ...] = POSE_LANDMARKS) -> Pose:
    """The pose under which ``face`` (:func:`generic_face`, centred) appears as ``landmarks``
    at ``points``; ``origin`` is where the face's centre is in the neutral image (its pose is
    the identity there)."""
    target = landmarks[list(points)] - origin
    model = face[list(points)]
    unit = float(np.linalg.norm(model[:, :2].std(axis=0))) or 1.0
    # Gauss-Newton on the soft-L1 loss by reweighting (IRLS), with the model's Jacobian written
    # out: the fit scipy's least_squares(loss="soft_l1") makes, without its finite differences
    # (16 ms a frame there, ~0.5 ms here; retime fits every analysed frame)
    rotation, log_scale, shift = np.eye(3), 0.0, np.zeros(2)
    for _ in range(MAX_STEPS):
        turned = model @ rotation.T
        scale = np.exp(log_scale)
        r = (scale * turned[:, :2] + shift - target) / unit
        weight = 1.0 / np.sqrt(1.0 + (np.hypot(r[:, 0], r[:, 1]) / NOISE_IOD) ** 2)
        x, y, z = turned.T
        zero, one = np.zeros_like(x), np.ones_like(x)
        # d(projection)/d(small rotation ω, log scale, shift), per coordinate, over unit
        jx = np.stack([zero, scale * z, -scale * y, scale * x, one, zero], 1) / unit
        jy = np.stack([-scale * z, zero, scale * x, scale * y, zero, one], 1) / unit
        jac = np.concatenate([jx, jy])
        w = np.concatenate([weight, weight])
        step = np.linalg.lstsq(jac * w[:, None] ** 0.5,
                               -np.concatenate([r[:, 0], r[:, 1]]) * w ** 0.5, rcond=None)[0]
        rotation = cv2.Rodrigues(step[:3])[0] @ rotation
        log_scale += step[3]
        shift = shift + step[4:]
        if np.abs(step).max() < STEP_TOLERANCE:
            break
    return Pose(Rotation.from_matrix(rotation).as_rotvec(), float(np.exp(log_scale)),
                shift + origin)

