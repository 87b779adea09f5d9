"""Seeded training with model selection on the validation subjects only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from equime.baselines.metrics import confusion, uf1_uar
from equime.baselines.models import build_model
from equime.baselines.params import BaselinesParams


@dataclass
class Trained:
    model: nn.Module
    epoch: int  # the chosen epoch (by validation UF1; the last one without validation)
    val_uf1: float | None
    losses: list[float]


def fit(x: np.ndarray, y: np.ndarray, train: Sequence[int], val: Sequence[int], classes: int,
        model_name: str, b: BaselinesParams, seed: int) -> Trained:
    """Train ``model_name`` on ``x[train]`` (epochs, batch size and learning rate from ``b``);
    keep the weights of the epoch with the best validation UF1."""
    torch.manual_seed(seed)
    model = build_model(model_name, x.shape[1], classes)
    data = TensorDataset(torch.from_numpy(x[list(train)]), torch.from_numpy(y[list(train)]))
    loader = DataLoader(data, batch_size=b.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=b.lr)
    loss_fn = nn.CrossEntropyLoss()
    best: tuple[float, int, dict] | None = None
    losses = []
    for epoch in range(1, b.epochs + 1):
        model.train()
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(yb)
        losses.append(total / len(data))
        if val:
            pred = predict(model, x[list(val)]).argmax(axis=1)
            score, _ = uf1_uar(confusion(y[list(val)], pred, range(classes)))
            if best is None or score > best[0]:
                best = (score, epoch, {k: v.clone() for k, v in model.state_dict().items()})
    if best is not None:
        model.load_state_dict(best[2])
        return Trained(model, best[1], best[0], losses)
    return Trained(model, b.epochs, None, losses)


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch: int = 32) -> np.ndarray:
    """Softmax probabilities, (n, classes)."""
    model.eval()
    out = [torch.softmax(model(torch.from_numpy(x[i:i + batch])), dim=1).numpy()
           for i in range(0, len(x), batch)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)
