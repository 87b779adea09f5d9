"""``params.yaml`` sections: the base of every section model, the validators they share, and
reading one section of the file.

Each package owns the frozen model of its own section (``equime/<package>/params.py``); a stage
validates exactly the sections it reads (``runtime.Stage.section``), and :mod:`equime.params`
assembles them all for whole-file checks. Defaults live in ``params.yaml`` only: every field a
section has is required there, so a value is written down once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from equime.errors import ParamsError

# the file's sections, in order (equime.params.Params has one field per name; a test keeps it so)
SECTIONS = ("base", "compute", "curate", "attributes", "select", "plan", "generate", "recording", "retime",
            "quality",
            "filter", "summarize", "export", "longvideo", "review", "baselines", "datasets")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseParams(Section):
    seed: int = Field(ge=0, lt=2**32)  # every clip's seed = hash(base.seed, clip_id)


def key_error(key: str, message: str) -> ValueError:
    """A cross-field error attributed to ``key`` inside the section (see :func:`format_error`)."""
    return ValueError(f"@{key}: {message}")


def unique(what: str) -> AfterValidator:
    """A validator for list params: each item at most once ("lists <what> twice")."""
    def check(v: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"lists {what} twice (got {list(v)})")
        return v

    return AfterValidator(check)


def check_range(key: str, value: tuple[float, float], lo: float, hi: float) -> None:
    a, b = value
    if a > b:
        raise key_error(key, f"low end {a} is above high end {b}")
    if a < lo or b > hi:
        raise key_error(key, f"must lie within [{lo}, {hi}] (got [{a}, {b}])")


def multiple_of(step: int, value: int) -> int:
    if value % step:
        raise ValueError(f"must be a multiple of {step} (got {value})")
    return value


_NO_VALUE = object()  # format_error: no input value to show


def format_error(path: Path, err: dict[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """One line naming the key and its value: ``params.yaml: plan.fps: must be > 0 (got 0)``.
    A cross-field error (:func:`key_error`) names its key and shows that key's value only."""
    loc = [*prefix, *(str(p) for p in err["loc"])]
    msg: str = err["msg"].removeprefix("Value error, ")
    value = err.get("input", _NO_VALUE)
    if msg.startswith("@"):  # a model validator's error: its input is the whole section
        name, _, msg = msg[1:].partition(": ")
        loc.append(name)
        value = value.get(name, _NO_VALUE) if isinstance(value, dict) else _NO_VALUE
    if isinstance(value, dict):  # a whole section or mapping: too long for one line
        value = _NO_VALUE
    key = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{path}: {key}: unknown key; remove it or fix its spelling"
    if err["type"] == "missing":
        return f"{path}: {key}: required key is missing; add it"
    got = "" if value is _NO_VALUE or "(got" in msg else f" (got {value!r})"
    return f"{path}: {key}: {msg}{got}"


def read_params(path: Path) -> dict[str, Any]:
    """The file as a mapping of sections, none of them unknown; one-line errors."""
    if not path.is_file():
        raise ParamsError(f"{path}: not found; run from the project root or pass --params")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path}: not valid YAML{where}; fix the syntax") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of sections (base, curate, plan, ...)")
    if unknown := [k for k in data if k not in SECTIONS]:
        raise ParamsError(f"{path}: {unknown[0]}: unknown key; remove it or fix its spelling")
    return data


def validate(data: dict[str, Any], name: str, kind: Any, path: Path) -> Any:
    """Section ``name`` of ``data`` as ``kind`` (a section model, or a mapping type)."""
    if name not in data:
        raise ParamsError(f"{path}: {name}: required key is missing; add it")
    try:
        return TypeAdapter(kind).validate_python(data[name])
    except ValidationError as exc:
        raise ParamsError(format_error(path, exc.errors()[0], (name,))) from None
