"""Stratified selection of source subjects to a target distribution over demographic cells,
with a report of what the pool could and could not supply."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from equime.artifacts.face_attributes import Demography
from equime.artifacts.selection import SELECTED_COLUMNS, Selected
from equime.attributes.labels import UNKNOWN
from equime.demographics.cells import age_band, all_cells, cell_of
from equime.demographics.params import SelectParams
from equime.errors import EquimeError, InputError, ParamsError


def target_shares(spec: SelectParams, age_bands: Sequence[int]) -> dict[str, float]:
    """Normalised target share of every cell of the stratification (0 for unlisted ones)."""
    cells = all_cells(spec.stratify_by, age_bands)
    if not spec.target:
        return dict.fromkeys(cells, 1.0 / len(cells))
    unknown = sorted(set(spec.target) - set(cells))
    if unknown:
        raise ParamsError(f"params.yaml: select.target: unknown cells {unknown}; cells look like "
                          f"{cells[:3]} for stratify_by {list(spec.stratify_by)}")
    total = sum(spec.target.values())
    if total <= 0 or any(v < 0 for v in spec.target.values()):
        raise ParamsError("params.yaml: select.target: weights must be ≥ 0 with a positive sum")
    return {c: spec.target.get(c, 0.0) / total for c in cells}


def _apportion(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Largest-remainder apportionment of ``total`` by ``shares`` (ties in table order)."""
    ideal = {c: total * s for c, s in shares.items()}
    out = {c: math.floor(v) for c, v in ideal.items()}
    order = sorted(shares, key=lambda c: -(ideal[c] - out[c]))
    for c in order[: total - sum(out.values())]:
        out[c] += 1
    return out


def quotas(available: Mapping[str, int], shares: Mapping[str, float],
           max_subjects: int | None) -> dict[str, int]:
    """Subjects to take per cell.

    Without a cap, the largest set with exactly the target proportions among the cells the
    pool can supply (cells it cannot supply are reported as shortfalls). With a cap, the target
    proportions of the cap; what a cell cannot supply goes to the others by their shares.
    """
    live = {c: s for c, s in shares.items() if s > 0 and available.get(c, 0) > 0}
    if not live:
        return dict.fromkeys(shares, 0)
    if max_subjects is None:
        n = min(math.floor(available[c] / s + 1e-9) for c, s in live.items())
        got = {c: min(available[c], math.floor(n * s + 1e-9)) for c, s in live.items()}
        return {c: got.get(c, 0) for c in shares}
    got = dict.fromkeys(shares, 0)
    left, open_ = max_subjects, dict(live)
    while left > 0 and open_:
        norm = sum(open_.values())
        step = _apportion(left, {c: s / norm for c, s in open_.items()})
        for c, k in step.items():
            take = min(k, available[c] - got[c])
            got[c] += take
            left -= take
            if got[c] >= available[c]:
                del open_[c]
        if all(k == 0 for k in step.values()):
            break
    return got


def select_subjects(pool: pd.DataFrame, spec: SelectParams, age_bands: Sequence[int],
                    seed: int) -> Selected:
    """``pool``: one row per subject with ``subject_id``, ``status`` and the cell keys' columns.

    Subjects whose needed values are unknown (or whose face deepface could not find) are not
    selected, each with its reason; within a cell, subjects are taken in a seeded order.
    """
    shares = target_shares(spec, age_bands)
    pool = pool.sort_values("subject_id").reset_index(drop=True)
    cells, reasons = [], []
    for r in pool.to_dict("records"):
        unknown = [k for k in spec.stratify_by if r[k] in (UNKNOWN, None, "")]
        cells.append(cell_of({k: str(r[k]) for k in spec.stratify_by}, spec.stratify_by)
                     if not unknown else None)
        reasons.append("no face found by the attribute source" if r.get("status", "ok") != "ok"
                       and spec.stratify_by else
                       f"unknown {', '.join(unknown)}" if unknown else None)
    pool = pool.assign(cell=cells, reason=reasons)
    usable = pool[pool["reason"].isna()]
    available = usable["cell"].value_counts().to_dict()
    quota = quotas(available, shares, spec.max_subjects)
    chosen: list[int] = []
    for cell in shares:
        members = usable.index[usable["cell"] == cell].to_list()
        order = [members[j] for j in np.random.default_rng(seed).permutation(len(members))]
        chosen += order[: quota[cell]]
        for i in order[quota[cell]:]:
            pool.loc[i, "reason"] = f"cell {cell} quota {quota[cell]} filled"
    selected = pool.loc[sorted(chosen)].drop(columns="reason").reset_index(drop=True)
    rest = pool.drop(index=chosen)
    counts = selected["cell"].value_counts().to_dict()
    total = len(selected)
    supply = pd.DataFrame([{
        "cell": c, "target_share": round(s, 6), "target_n": round(s * total, 3),
        "available": int(available.get(c, 0)), "selected": int(counts.get(c, 0)),
        "shortfall": round(max(0.0, s * total - counts.get(c, 0)), 3),
    } for c, s in shares.items()])
    return Selected(subjects=selected,
                    not_selected=rest[["subject_id", "cell", "reason"]].reset_index(drop=True),
                    supply=supply)


def pool_table(demographies: Mapping[str, Demography], edges: Sequence[int]) -> pd.DataFrame:
    """One row per source subject: its demography and age band (the selection's pool)."""
    return pd.DataFrame([{
        "subject_id": sid, "attributes_source": d.source, "status": d.status, "gender": d.gender,
        "gender_confidence": d.gender_confidence, "race": d.race or UNKNOWN,
        "race_confidence": d.race_confidence, "age": d.age, "age_band": age_band(d.age, edges),
    } for sid, d in sorted(demographies.items())], columns=SELECTED_COLUMNS[:-1])


def with_sources(selected: pd.DataFrame, pool: pd.DataFrame, curated: pd.DataFrame,
                 attributes: Path) -> pd.DataFrame:
    """The selected rows with their source photo and annotations from curate's subjects.csv.
    The pool (``attributes``, faces.csv) must list exactly curate's subjects."""
    differ = sorted(set(curated["subject_id"]) ^ set(pool["subject_id"]))
    if differ:
        raise InputError(f"{attributes}: subjects {differ[:3]} differ from curate's subjects.csv; "
                         "rerun `dvc repro attributes_faces`")
    return curated[["subject_id", "source", "sha256", "attributes"]].rename(
        columns={"attributes": "annotations"}).merge(selected, on="subject_id")


def selection_metrics(result: Selected) -> dict[str, Any]:
    s = result.supply
    return {
        "selected": len(result.subjects),
        "not_selected": len(result.not_selected),
        "cells": len(s),
        "cells_supplied": int((s["selected"] > 0).sum()),
        "shortfall": round(float(s["shortfall"].sum()), 3),
        "by_cell": {r.cell: int(r.selected) for r in s.itertuples() if r.selected},
    }


def select(faces: Mapping[str, Demography], curated: pd.DataFrame, faces_path: Path,
           spec: SelectParams, age_bands: Sequence[int], seed: int) -> Selected:
    """The select stage: the pool (every curated face with its demography) → the chosen
    subjects, with their source photo and annotations."""
    pool = pool_table(faces, age_bands)
    result = select_subjects(pool, spec, age_bands, seed)
    return Selected(subjects=with_sources(result.subjects, pool, curated, faces_path),
                    not_selected=result.not_selected, supply=result.supply)


def require_selection(result: Selected, supply_path: Path) -> None:
    """Selecting nobody is an error (after the supply report is written)."""
    if result.subjects.empty:
        raise EquimeError(f"select: no subject fits select.stratify_by/target; see {supply_path}")
