"""A clip's image metrics in each mode (``standard``: piq's float math; ``paper``: the seed's
procedure), as mean / std / min per metric: ``<mode>_<metric>_<stat>``.

Frames stream through in blocks (consecutive blocks share one frame, so every consecutive pair
is measured once and every frame once): memory stays flat in the clip's length."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from equime.quality.metrics import METRICS, standard_metrics, summarize
from equime.quality.paper import paper_metrics
from equime.quality.params import QualityParams

BLOCK = 48  # frames measured at once


class ImageMetrics:
    """Collects a clip's per-pair and per-frame metric series from its frames as they pass."""

    def __init__(self, q: QualityParams) -> None:
        self.q = q
        self.series: dict[tuple[str, str], list[np.ndarray]] = {}
        self.block: list[np.ndarray] = []
        self.carried = False  # the block's first frame was measured with the previous block

    def through(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """``frames``, unchanged, each one measured on its way."""
        for frame in frames:
            self.block.append(frame)
            if len(self.block) == BLOCK:
                self._measure()
            yield frame

    def _measure(self) -> None:
        block = np.stack(self.block)
        for mode in self.q.modes:
            values = (standard_metrics(block, self.q.metrics, self.q.color, self.q.device)
                      if mode == "standard" else paper_metrics(block, self.q.metrics))
            for name, v in values.items():
                if METRICS[name].per == "frame" and self.carried:
                    v = v[1:]
                self.series.setdefault((mode, name), []).append(v)
        self.block, self.carried = [self.block[-1]], True

    def result(self) -> dict[str, float]:
        """Every metric of ``q.metrics`` in every mode of ``q.modes``, summarised over the clip."""
        if len(self.block) > 1 or not self.carried:
            self._measure()
        out: dict[str, float] = {}
        for mode in self.q.modes:
            for name in self.q.metrics:
                values = np.concatenate(self.series.get((mode, name), [np.zeros(0)]))
                for stat, value in summarize(values).items():
                    out[f"{mode}_{name}_{stat}"] = round(value, 5)
        return out


def image_metrics(frames: Iterable[np.ndarray], q: QualityParams) -> dict[str, float]:
    """Every metric of ``q.metrics`` in every mode of ``q.modes``, summarised over the clip."""
    collector = ImageMetrics(q)
    for _ in collector.through(frames):
        pass
    return collector.result()
