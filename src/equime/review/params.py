"""The ``review`` section: the sample size, the raters and where the app listens."""

from __future__ import annotations

from pydantic import Field, field_validator

from equime.section import Section


class ReviewParams(Section):
    size: int = Field(ge=1)  # clips sampled for review, stratified by emotion × gender
    raters: tuple[str, ...] = Field(min_length=1)
    host: str  # loopback by default: raters on other machines need a tunnel
    port: int = Field(ge=1, le=65535)

    @field_validator("raters")
    @classmethod
    def _names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v) or any(not n.strip() for n in v):
            raise ValueError(f"must be distinct, non-empty names (got {list(v)})")
        return v
