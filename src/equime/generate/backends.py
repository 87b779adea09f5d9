"""Which renderer a ``generate`` params section asks for."""

from __future__ import annotations

from equime.generate.base import Renderer
from equime.generate.params import GenerateParams
from equime.recording.params import RecordingParams


def build_renderer(section: GenerateParams, recording: RecordingParams) -> Renderer:
    """The configured backend; one that renders the ME itself (warp) records it through the
    camera of ``recording``; a generative one's raw output is recorded by retime instead."""
    if section.backend == "warp":
        from equime.generate.warp import WarpRenderer

        return WarpRenderer(section.warp, recording.camera)
    from equime.generate.ltx import LTXRenderer

    return LTXRenderer(section.ltx)
