"""One clip retimed: the analysis, the apex's motion brought into the ME range, and the ME
rendered along the envelope on the neutral face (the one renderer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from equime.faces.aus import estimate_aus, pattern_agreement, remove_rigid
from equime.faces.detect import FaceDetector
from equime.faces.flow import face_flow
from equime.faces.regions import moves_jaw, outline_share, pin_outline
from equime.facs import interocular
from equime.generate.render import render_field
from equime.retime.analyse import Unusable, analyse
from equime.retime.extract import apex_motion, me_alpha
from equime.retime.label import label_refusal, moved_aus
from equime.retime.params import RetimeParams
from equime.retime.track import stabilise


@dataclass(frozen=True)
class Retimed:
    frames: np.ndarray  # the micro-expression clip, uint8 (T, H, W, 3)
    record: dict[str, Any]  # what was found and done: raw apex, stabilisation, alpha, ...
    raw_apex: np.ndarray | None = None  # the generated apex, stabilised onto the neutral


def retime_frames(raw: Sequence[np.ndarray], fps: float, neutral: np.ndarray,
                  landmarks: np.ndarray, weights: np.ndarray, r: RetimeParams,
                  detector: FaceDetector, planned: Sequence[str] = (),
                  emotion: str = "", fine: bool = False) -> Retimed:
    """The ME of ``raw`` (any expression video) on ``neutral`` (its 68 ``landmarks``) along
    ``weights`` (the envelope, one value per output frame); raises ``Unusable`` with a reason,
    also when the AUs the raw apex shows do not support ``emotion`` (its prompted label).
    ``fine``: ``landmarks`` are already the neutral's :meth:`~FaceDetector.fine_landmarks`."""
    h, w = neutral.shape[:2]
    a = analyse(raw, neutral, landmarks, r, detector, planned)
    p = a.placed[a.apex]
    assert p.to_neutral is not None and p.landmarks is not None  # a usable frame is placed
    # the shapes of the neutral and of the apex, measured alike, to half a pixel: the difference
    # of two different measurements would be as large as a micro-expression
    start = landmarks if fine else detector.fine_landmarks(neutral)
    end = detector.fine_landmarks(raw[a.apex])
    if start is None or end is None:
        start, end = landmarks, p.landmarks
    end = remove_rigid(start, p.action(end, landmarks))
    # the outline is the head's, unless the jaw or chin moved it (planned, or found)
    jaw = moves_jaw(planned) or moves_jaw(moved_aus(estimate_aus(start, end)))
    end = pin_outline(start, end, jaw)
    moved = end - start
    estimated = estimate_aus(start, end)
    measured = moved_aus(estimated)
    if refusal := label_refusal(emotion, measured):
        raise Unusable(refusal)
    raw_apex = stabilise(raw[a.apex], p, landmarks, (w, h))
    motion = apex_motion(neutral, landmarks, raw_apex, start, moved, r, jaw)
    alpha = me_alpha(motion.peak_iod, r)
    me = motion.scaled(alpha)
    frames = render_field(neutral, me.field, weights, r.interpolation, me.residual)
    peak = int(np.argmax(weights))
    me_apex = detector.fine_landmarks(frames[peak])
    unit = interocular(landmarks)
    outline = {"raw": outline_share(face_flow(neutral, raw_apex, unit), landmarks, jaw),
               "me": outline_share(face_flow(neutral, frames[peak], unit), landmarks, jaw)}
    agreement = (pattern_agreement(start, end, start, me_apex)
                 if me_apex is not None else None)
    placed = a.placed.values()
    return Retimed(frames, raw_apex=raw_apex, record={
        "raw_frames": len(raw),
        "raw_apex_frame": a.apex,
        "raw_apex_s": round(a.apex / fps, 4),
        "raw_apex_motion_iod": round(float(a.motion_iod[a.apex]), 5),
        "raw_peak_iod": round(motion.peak_iod, 5),
        "alpha": round(alpha, 5),
        "me_peak_iod": round(me.peak_iod, 5),
        "residual": me.residual is not None,
        # the head's residue: motion along the outline over the inner face's, raw apex and ME
        "outline_share": {k: None if np.isnan(v) else round(v, 4) for k, v in outline.items()},
        # the expression survives: the ME apex's AU pattern against the (stabilised) raw apex's
        # the clip's AUs: those its raw apex shows, at their intensity in the ME
        "measured_aus": {c: min(1.0, max(round(alpha * v, 3), 0.001))
                         for c, v in measured.items()},
        "au_pattern_r": None if agreement is None else round(agreement, 4),
        "stabilisation": {
            "rigid_at_apex_iod": round(a.placed[a.apex].rigid_iod, 5),
            "rigid_max_iod": round(float(np.nanmax([p.rigid_iod for p in placed])), 5),
            "identity_at_apex": round(float(a.identity[a.apex]), 5),
            "frames_analysed": len(a.placed),
            "frames_usable": int(a.usable.sum()),
            "frames_without_face": sum(p.landmarks is None for p in placed),
        },
        "raw_motion_iod": [None if np.isnan(v) else round(float(v), 5) for v in a.motion_iod],
    })
