"""The ``generate`` section: the backend, each backend's settings and the encoder.

The section has one field per entry of :data:`equime.generate.registry.BACKENDS` (its
``generate.<name>`` settings); ``backend`` names the one that runs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from equime.generate.registry import BACKENDS
from equime.section import Section
from equime.video import X264_ASM, EncoderOptions

X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
)


class _Generate(Section):
    backend: Literal[tuple(BACKENDS)]  # type: ignore[valid-type]
    batch_size: int = Field(ge=1, le=256)
    crf: int = Field(ge=0, le=51)
    preset: Literal[X264_PRESETS]  # type: ignore[valid-type]
    x264_asm: Literal[tuple(X264_ASM)]  # type: ignore[valid-type]

    def encoder(self) -> EncoderOptions:
        """The encoder every written clip goes through (generate, retime)."""
        return EncoderOptions(crf=self.crf, preset=self.preset, asm=self.x264_asm)

    def settings(self, name: str | None = None) -> Any:
        """``generate.<name>`` (default: the configured backend's)."""
        return getattr(self, name or self.backend)


GenerateParams = create_model(  # type: ignore[call-overload]
    "GenerateParams", __base__=_Generate, __module__=__name__,
    **{name: (entry.settings, ...) for name, entry in BACKENDS.items()})
