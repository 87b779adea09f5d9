"""Which renderer a ``generate`` params section asks for."""

from __future__ import annotations

from equime.generate.base import Renderer
from equime.generate.params import GenerateParams
from equime.recording.params import RecordingParams


def build_renderer(section: GenerateParams, recording: RecordingParams) -> Renderer:
    """The configured backend; one that renders the ME itself (warp) films it as ``recording``
    says (living face, AU shading, camera); a generative one's raw output is recorded by retime."""
    if section.backend == "warp":
        from equime.generate.warp import WarpRenderer

        return WarpRenderer(section.warp, recording)
    from equime.generate.ltx import LTXRenderer

    return LTXRenderer(section.ltx)
