"""A long video's frames, by the one renderer: each expression's AU field along its envelope, the
living face (sway, breathing, blinks kept clear of every expression), the AUs' shading and the
camera, one frame at a time (memory flat in the video's length)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from equime.artifacts.curated import FaceImage
from equime.facs import blink_displacements, displacements
from equime.generate.render import render_frames
from equime.generate.warp import displacement_field, head_fields
from equime.generate.warp_params import WarpParams
from equime.longvideo.events import Event
from equime.plan.timing import envelope, frame_times
from equime.recording.appearance import residual, shading
from equime.recording.camera import record
from equime.recording.face import LiveMotion, live_motion
from equime.recording.params import RecordingParams


def live(recording: RecordingParams, seed: int, n_frames: int, fps: float,
         events: Sequence[Event]) -> LiveMotion:
    """The video's sway, breathing and blinks (blinks clear of every expression)."""
    return live_motion(recording.face, seed, n_frames, fps,
                       [(e.timing.onset_s, e.timing.offset_s) for e in events])


def video_frames(face: FaceImage, events: Sequence[Event], n_frames: int, fps: float, seed: int,
                 warp: WarpParams, recording: RecordingParams) -> Iterator[np.ndarray]:
    """The video's ``n_frames`` frames (uint8 H×W×3), as its camera records them."""
    h, w = face.image.shape[:2]
    anchors = warp.border_anchors
    times = frame_times(n_frames, fps)
    fields, weights, shades = [], [], []
    for e in events:
        fields.append(displacement_field(face.landmarks, displacements(e.intensities,
                                                                       face.landmarks),
                                         w, h, anchors))
        weights.append(envelope(times, e.timing.onset_s, e.timing.apex_s, e.timing.offset_s))
        shades.append(residual(face.image, shading(e.intensities, face.landmarks, (h, w),
                                                   recording.appearance)))
    if recording.face.enabled:
        motion = live(recording, seed, n_frames, fps, events)
        fields += head_fields(face.landmarks, w, h, anchors)
        weights += [motion.shift[:, 0], motion.shift[:, 1], motion.roll]
        fields.append(displacement_field(face.landmarks, blink_displacements(face.landmarks),
                                         w, h, anchors))
        weights.append(motion.blink)
    shaded = [i for i, s in enumerate(shades) if s is not None]
    frames = render_frames(face.image, fields, np.stack(weights, 1), warp.interpolation,
                           [shades[i] for i in shaded] or None,  # type: ignore[misc]
                           np.stack([weights[i] for i in shaded], 1) if shaded else None)
    return record(frames, seed, recording.camera, n_frames)
