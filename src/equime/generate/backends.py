"""Which renderer a ``generate`` params section asks for."""

from __future__ import annotations

from equime.generate.base import Renderer
from equime.generate.params import GenerateParams


def build_renderer(section: GenerateParams) -> Renderer:
    if section.backend == "warp":
        from equime.generate.warp import WarpRenderer

        return WarpRenderer(section.warp)
    from equime.generate.ltx import LTXRenderer

    return LTXRenderer(section.ltx)
