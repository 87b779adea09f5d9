"""``generate.warp``: the AU landmark model's settings (the warp backend)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from equime.section import Section


class WarpParams(Section):
    interpolation: Literal["linear", "cubic"]
    border_anchors: int = Field(ge=2, le=64)
