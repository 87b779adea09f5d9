"""A stratified, seeded subset of exported clips for review."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equime.demographics.select import quotas


def sample_clips(manifest: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """``size`` clips spread evenly over emotion × gender cells (what a cell cannot supply goes
    to the others), in a seeded order within each cell; rows in manifest order."""
    m = manifest.reset_index(drop=True)
    cells = (m["emotion"] + "/" + m["gender"]).to_list()
    available = pd.Series(cells).value_counts().to_dict()
    names = sorted(available)
    take = quotas(available, dict.fromkeys(names, 1 / len(names)), min(size, len(m)))
    chosen: list[int] = []
    for cell in names:
        members = [i for i, c in enumerate(cells) if c == cell]
        order = np.random.default_rng(seed).permutation(len(members))
        chosen += [members[j] for j in order[: take[cell]]]
    return m.loc[sorted(chosen)].reset_index(drop=True)
