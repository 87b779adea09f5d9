"""A deepface weight folder built in code: random weights at the file names deepface expects.

The emotion model is deepface's own architecture, randomly initialised and saved where deepface
looks for it. The VGG-based age, gender and race models (~500 MB each) are replaced by tiny
random classifiers at deepface's own seam, the ``base_model`` builder of each PyTorch client,
and their weights are saved at those models' file names; deepface loads everything itself.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import torch
from torch import nn

from equime.attributes.labels import DEEPFACE_MODELS

CLASSES = {"age": 101, "gender": 2, "race": 6}


class TinyClassifier(nn.Module):
    """(n, 3, 224, 224) → (n, classes) probabilities, like deepface's VggFaceClassifier."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(3 * 4 * 4, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.fc(torch.flatten(self.pool(x / 255.0), 1)), dim=1)


def install(home: Path, monkeypatch: pytest.MonkeyPatch, seed: int = 0) -> Path:
    """Write the four weight files under ``home/.deepface/weights`` and patch the builders."""
    from deepface.modules import modeling

    weights = home / ".deepface" / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    emotion = importlib.import_module(DEEPFACE_MODELS["emotion"][2])
    torch.save(emotion.EmotionModel().state_dict(), weights / DEEPFACE_MODELS["emotion"][1])
    for action, classes in CLASSES.items():
        module = importlib.import_module(DEEPFACE_MODELS[action][2])
        torch.save(TinyClassifier(classes).state_dict(), weights / DEEPFACE_MODELS[action][1])
        monkeypatch.setattr(module, "base_model", lambda c=classes: TinyClassifier(c))
    # deepface keeps built models in a module-level cache: start each test from an empty one
    monkeypatch.setattr(modeling, "cached_models",
                        {task: {} for task in modeling.AVAILABLE_MODELS}, raising=False)
    monkeypatch.setenv("DEEPFACE_HOME", str(home))
    return home
