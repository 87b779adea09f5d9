"""A clip's image metrics in each mode (``standard``: piq's float math; ``paper``: the seed's
procedure), as mean / std / min per metric: ``<mode>_<metric>_<stat>``."""

from __future__ import annotations

import numpy as np

from equime.quality.metrics import standard_metrics, summarize
from equime.quality.paper import paper_metrics
from equime.quality.params import QualityParams


def image_metrics(frames: np.ndarray, q: QualityParams) -> dict[str, float]:
    """Every metric of ``q.metrics`` in every mode of ``q.modes``, summarised over the clip."""
    out: dict[str, float] = {}
    for mode in q.modes:
        series = (standard_metrics(frames, q.metrics, q.color, q.device) if mode == "standard"
                  else paper_metrics(frames, q.metrics))
        for name, values in series.items():
            for stat, value in summarize(values).items():
                out[f"{mode}_{name}_{stat}"] = round(value, 5)
    return out
