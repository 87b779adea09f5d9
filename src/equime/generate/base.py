"""The backend protocol: ``render(row, face) -> frames`` (uint8 THWC RGB)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.recording.params import RecordingParams


class Renderer(Protocol):
    name: str

    @classmethod
    def from_params(cls, settings: Any, recording: RecordingParams) -> Renderer:
        """The renderer over its ``generate.<name>`` section; ``recording``: how an ME it draws
        itself is filmed (a generative backend's raw output is filmed by retime)."""
        ...

    def check(self, rows: Sequence[PlanRow]) -> None:
        """Raise a one-line error for any row it cannot render, before any model loads."""
        ...

    def params(self) -> dict[str, Any]:
        """Everything that changes the frames (recorded in metadata, part of the resume key)."""
        ...

    def prepare(self) -> None:
        """Load what rendering needs (a model); errors here stop the stage, unlike per-clip ones."""
        ...

    def generated_frames(self, row: PlanRow) -> int:
        """How many frames the backend generates for ``row`` (the rest past kept_frames is trimmed)."""
        ...

    def kept_frames(self, row: PlanRow) -> int:
        """How many frames the written clip has (the plan's, unless a generative backend makes a
        shorter raw clip for retime)."""
        ...

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        """The clip's ``kept_frames(row)`` frames, uint8 (T, H, W, 3)."""
        ...

    def render_batch(self, rows: Sequence[PlanRow],
                     faces: Sequence[FaceImage]) -> Sequence[Iterable[np.ndarray]]:
        """Several clips of the same size and frame count at once (the same frames as one by
        one): each an array (T, H, W, 3) or a stream of (H, W, 3) frames."""
        ...
