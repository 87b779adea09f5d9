"""The ``recording`` section: what makes a rendered clip look filmed (each part can be off)."""

from __future__ import annotations

from pydantic import Field, model_validator

from equime.section import Section, check_range


class CameraParams(Section):
    """Poisson–Gaussian sensor noise in grey levels (see :mod:`equime.recording.camera`)."""

    enabled: bool
    gain: float = Field(ge=0, le=10)  # shot noise: variance = gain × signal (grey levels / e⁻)
    read_noise: float = Field(ge=0, le=50)  # σ of the signal-independent noise (grey levels)
    prnu: float = Field(ge=0, le=0.1)  # σ of the fixed per-pixel gain (photo-response)
    dsnu: float = Field(ge=0, le=10)  # σ of the fixed per-pixel offset (dark signal), grey levels
    flicker: float = Field(ge=0, le=0.1)  # σ of the per-frame exposure gain




class FaceParams(Section):
    """A living face: head sway, breathing, blinks (see :mod:`equime.recording.face`)."""

    enabled: bool
    sway_iod: float = Field(ge=0, le=0.1)  # σ of the head's drift, interocular units
    sway_deg: float = Field(ge=0, le=5)  # σ of its roll, degrees
    sway_period_s: float = Field(gt=0)  # the drift's time scale (seconds)
    breathing_iod: float = Field(ge=0, le=0.1)  # amplitude of the head's rise with each breath
    breaths_per_min: float = Field(ge=0, le=60)
    blinks_per_min: float = Field(ge=0, le=120)
    blink_s: tuple[float, float]  # a blink's duration, drawn in this range (seconds)
    blink_clear_s: float = Field(ge=0)  # no blink this close to the expression's onset/offset
    blinks_during_me: bool  # true: blinks anywhere, the expression included

    @model_validator(mode="after")
    def _ranges(self) -> FaceParams:
        check_range("blink_s", self.blink_s, 0.01, 2.0)
        return self


class AppearanceParams(Section):
    """AU shading: furrows darken, bulges catch the light (see :mod:`equime.recording.appearance`)."""

    enabled: bool
    depth: float = Field(ge=0, le=1)  # darkening at a fold's centre at AU intensity 1 (share)


class RecordingParams(Section):
    camera: CameraParams
    face: FaceParams
    appearance: AppearanceParams
