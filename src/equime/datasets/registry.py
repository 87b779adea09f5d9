"""Which loader reads which configured dataset."""

from __future__ import annotations

from pathlib import Path

from equime.datasets import casme2, casme3, miex, samm, smic
from equime.datasets.sample import Loaded
from equime.errors import InputError


def load_local(name: str, root: Path, sheet: Path | None, variant: str) -> Loaded:
    if not root.is_dir():
        raise InputError(f"{root}: {name} folder not found; fix summarize.datasets.{name}.root")
    if name == "smic":
        return smic.load(root, variant)
    if name == "miex":
        return miex.load(root)
    if sheet is None:
        raise InputError(f"summarize.datasets.{name}.sheet: {name} needs its coding sheet")
    return {"casme2": casme2, "samm": samm, "casme3": casme3}[name].load(root, sheet)
