"""Motion transfer from a real micro-expression (the MEGC generation task): the onset → apex
motion of a dataset's clip, stabilised, mapped onto another face through the two faces' landmarks
(a thin-plate spline between the landmark sets), and played along the plan's envelope on it."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from equime.artifacts.curated import FaceImage
from equime.faces.aus import pattern_agreement
from equime.faces.detect import FaceDetector
from equime.faces.regions import moves_jaw
from equime.facs import interocular
from equime.generate.render import render_field
from equime.generate.warp import merge_close, tps_field
from equime.retime.analyse import Unusable, analyse
from equime.retime.clip import Retimed
from equime.retime.extract import apex_motion, face_region, me_alpha
from equime.retime.params import RetimeParams
from equime.retime.track import stabilise

MERGE_PX = 2.0  # landmarks closer than this are one point for the mapping


def map_field(field: np.ndarray, source: np.ndarray, target: np.ndarray,
              shape: tuple[int, int]) -> np.ndarray:
    """``field`` (on the face with landmarks ``source``) as a field on the face with landmarks
    ``target`` (an image of ``shape``): each target point takes the motion of its corresponding
    source point (thin-plate spline target → source through the 68 pairs), turned and scaled as
    the target face is against the source face (the similarity between the landmark sets)."""
    h, w = shape
    # a closed mouth puts inner-lip points on top of each other: merged, or the spline is singular
    centres, values = merge_close(target, source, MERGE_PX)
    where = tps_field(centres, values, w, h)  # target pixel → source point
    moved = cv2.remap(field, where[..., 0], where[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    a, _ = cv2.estimateAffinePartial2D(source.astype(np.float32), target.astype(np.float32))
    linear = np.eye(2, dtype=np.float32) if a is None else a[:, :2].astype(np.float32)
    out = moved @ linear.T * face_region(target, shape)[..., None]
    return np.ascontiguousarray(out, dtype=np.float32)


def transfer_frames(frames: Sequence[np.ndarray], target: FaceImage, weights: np.ndarray,
                    r: RetimeParams, detector: FaceDetector,
                    planned: Sequence[str] = (), coded_apex: int | None = None) -> Retimed:
    """The ME of a real clip (``frames``: its onset → offset, frame 0 the onset, neutral; its apex
    at ``coded_apex`` when coded) on the ``target`` face, along ``weights``; raises ``Unusable``
    with a reason."""
    neutral = frames[0]
    start = detector.fine_landmarks(neutral)
    if start is None:
        raise Unusable("face lost: no face in the sample's onset frame")
    h, w = neutral.shape[:2]
    a = analyse(frames, neutral, start, r, detector, planned, coded_apex)
    p = a.placed[a.apex]
    assert p.to_neutral is not None and p.landmarks is not None  # a usable frame is placed
    end = detector.fine_landmarks(frames[a.apex])
    end = p.action(p.landmarks if end is None else end, start)
    # a real ME's motion is small and its frames sharp: the flow alone (no landmark hold), and
    # no appearance residual (another face's skin)
    motion = apex_motion(neutral, start, stabilise(frames[a.apex], p, start, (w, h)), None, None,
                         r.model_copy(update={"residual": False}), moves_jaw(planned))
    th, tw = target.image.shape[:2]
    field = map_field(motion.field, start, target.landmarks, (th, tw))
    mag = np.hypot(field[..., 0], field[..., 1])[face_region(target.landmarks, (th, tw)) >= 1]
    peak = float(np.percentile(mag, 99)) / interocular(target.landmarks) if mag.size else 0.0
    alpha = me_alpha(peak, r)
    out = render_field(target.image, field * np.float32(alpha), weights, r.interpolation)
    me_start, me_apex = (detector.fine_landmarks(x) for x in (target.image,
                                                            out[int(np.argmax(weights))]))
    agreement = (pattern_agreement(start, end, me_start, me_apex)
                 if me_start is not None and me_apex is not None else None)
    return Retimed(out, {
        "raw_frames": len(frames), "raw_apex_frame": a.apex,
        "raw_peak_iod": round(motion.peak_iod, 5), "alpha": round(alpha, 5),
        "me_peak_iod": round(peak * alpha, 5), "residual": False,
        "au_pattern_r": None if agreement is None else round(agreement, 4),
        "stabilisation": {"rigid_at_apex_iod": round(p.rigid_iod, 5),
                          "identity_at_apex": round(float(a.identity[a.apex]), 5),
                          "frames_analysed": len(a.placed),
                          "frames_usable": int(a.usable.sum())},
    })
