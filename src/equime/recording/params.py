"""The ``recording`` section: what makes a rendered clip look filmed (each part can be off)."""

from __future__ import annotations

from pydantic import Field

from equime.section import Section


class CameraParams(Section):
    """Poisson–Gaussian sensor noise in grey levels (see :mod:`equime.recording.camera`)."""

    enabled: bool
    gain: float = Field(ge=0, le=10)  # shot noise: variance = gain × signal (grey levels / e⁻)
    read_noise: float = Field(ge=0, le=50)  # σ of the signal-independent noise (grey levels)
    prnu: float = Field(ge=0, le=0.1)  # σ of the fixed per-pixel gain (photo-response)
    dsnu: float = Field(ge=0, le=10)  # σ of the fixed per-pixel offset (dark signal), grey levels
    flicker: float = Field(ge=0, le=0.1)  # σ of the per-frame exposure gain


class RecordingParams(Section):
    camera: CameraParams
