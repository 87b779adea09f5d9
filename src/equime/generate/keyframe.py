"""The planned apex as a picture, for a video generator to move towards (``generate.ltx.
conditioning: keyframes``): the row's AUs drawn on the aligned neutral face by the AU model
(the warp backend's landmark motions and thin-plate warp), at full intensity, so the generator
is shown a clear target; retime then measures what it rendered and brings it into the ME range."""

from __future__ import annotations

import numpy as np

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.facs import displacements
from equime.generate.render import render_field
from equime.generate.warp import displacement_field

KEYFRAME_INTENSITY = 1.0  # FACS E: the generator is shown the AUs clearly
BORDER_ANCHORS = 8  # the warp is 0 on the image border (anchors per side)


def apex_keyframe(row: PlanRow, face: FaceImage) -> np.ndarray:
    """(H, W, 3) uint8: ``face`` showing ``row``'s AUs at :data:`KEYFRAME_INTENSITY`."""
    h, w = face.image.shape[:2]
    moves = displacements({a.code: KEYFRAME_INTENSITY for a in row.aus}, face.landmarks)
    field = displacement_field(face.landmarks, moves, w, h, BORDER_ANCHORS)
    return render_field(face.image, field, np.ones(1), "linear")[0]


def keyframe_index(row: PlanRow, generated_frames: int) -> int:
    """The frame of the generated clip the apex keyframe conditions: the planned apex, within
    the frames generated (a short generation for retime ends before a late apex)."""
    return max(1, min(row.timing.apex_frame, generated_frames - 1))
