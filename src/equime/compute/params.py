"""The ``compute`` section: the engine that runs each stage's per-item work, and what a task or
actor of each stage asks of the cluster."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from equime.section import Section, key_error

# the stages whose per-item work an engine runs (each has a resources entry)
ITEM_STAGES = ("curate", "attributes_faces", "generate", "retime", "quality", "attributes_clips")


class Resources(Section):
    """What one task (work without a model) or one actor (a model held) of a stage asks for."""

    cpus: float = Field(gt=0)
    gpus: float = Field(ge=0)


class ComputeParams(Section):
    engine: Literal["local", "ray"]
    # ray: null starts a local Ray for the stage; "auto" joins the running cluster
    # (`ray start --head`); or an address, host:port or ray://host:port
    address: str | None = Field(min_length=1)
    connect_timeout_s: float = Field(gt=0, le=3600)  # an address that answers no sooner fails
    max_retries: int = Field(ge=0, le=100)  # an item that raises is tried this many more times
    resources: dict[str, Resources]

    @model_validator(mode="after")
    def _every_stage(self) -> ComputeParams:
        if missing := [s for s in ITEM_STAGES if s not in self.resources]:
            raise key_error("resources", f"no entry for {', '.join(missing)}; add "
                            "{cpus: 1, gpus: 0} for each")
        if extra := sorted(set(self.resources) - set(ITEM_STAGES)):
            raise key_error("resources", f"{', '.join(extra)}: not a stage with per-item work "
                            f"({', '.join(ITEM_STAGES)})")
        return self
