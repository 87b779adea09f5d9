"""Which loader reads which configured dataset (the ``datasets`` params section)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from equime.datasets import casme2, casme3, miex, samm, smic
from equime.datasets.params import LocalDataset
from equime.datasets.sample import Loaded, Sample
from equime.errors import InputError


def load_local(name: str, root: Path, sheet: Path | None, variant: str) -> Loaded:
    if not root.is_dir():
        raise InputError(f"{root}: {name} folder not found; fix datasets.{name}.root")
    if name == "smic":
        return smic.load(root, variant)
    if name == "miex":
        return miex.load(root)
    if sheet is None:
        raise InputError(f"datasets.{name}.sheet: {name} needs its coding sheet")
    return {"casme2": casme2, "samm": samm, "casme3": casme3}[name].load(root, sheet)


def load_configured(name: str, cfg: LocalDataset) -> Loaded | None:
    """The configured copy of ``name``; None when its root is not set."""
    if cfg.root is None:
        return None
    return load_local(name, Path(cfg.root), Path(cfg.sheet) if cfg.sheet else None,
                      cfg.variant or "HS")


def source_loader(synthetic_root: Path | None,
                  datasets: Mapping[str, LocalDataset]) -> Callable[[str], list[Sample]]:
    """``name → samples`` for the baselines: ``synthetic`` (the exported set), a configured
    real dataset (the ``datasets`` section), or ``megc`` (CASME II + SAMM + SMIC-HS with the
    official composite labels). Each source is read once."""
    from equime.datasets import megc, synthetic

    @cache
    def load(name: str) -> list[Sample]:
        if name == "synthetic":
            if synthetic_root is None:
                raise InputError("the synthetic set is needed: pass --dataset")
            return synthetic.load(synthetic_root).samples
        if name == "megc":
            parts = {n: load(n) for n in ("casme2", "samm", "smic")}
            return megc.compose(parts).samples
        loaded = load_configured(name, datasets[name]) if name in datasets else None
        if loaded is None:
            raise InputError(f"{name}: not configured; set datasets.{name}.root (and sheet) to a "
                             "local copy")
        return loaded.samples

    return load
