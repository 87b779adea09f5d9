"""The paper's four recognisers in PyTorch (torchvision where it has them), as one table."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torchvision.models import mobilenet_v2
from torchvision.models.video import r3d_18


class STCNN(nn.Module):
    """'ST-CNN': Conv3D 32 → max-pool → Dense 128 → classes."""

    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv3d(channels, 32, 3, padding=1), nn.ReLU(),
                                      nn.MaxPool3d((1, 2, 2)), nn.AdaptiveAvgPool3d((2, 4, 4)))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 2 * 4 * 4, 128), nn.ReLU(),
                                  nn.Dropout(0.3), nn.Linear(128, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Simple3DCNN(nn.Module):
    """A simple 3D-CNN: Conv3D 16 → Dense 64 → classes."""

    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv3d(channels, 16, 3, padding=1), nn.ReLU(),
                                      nn.AdaptiveAvgPool3d((1, 8, 8)))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * 8, 64), nn.ReLU(),
                                  nn.Linear(64, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class ResNet3D(nn.Module):
    """torchvision's r3d_18 (random init), its stem taking ``channels`` inputs."""

    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.net = r3d_18(weights=None, num_classes=classes)
        self.net.stem[0] = nn.Conv3d(channels, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MobileNetHybrid(nn.Module):
    """torchvision's MobileNetV2 (random init) on the middle frame of the input."""

    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.net = mobilenet_v2(weights=None, num_classes=classes)
        first = self.net.features[0][0]
        self.net.features[0][0] = nn.Conv2d(channels, first.out_channels, 3, 2, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x[:, :, x.shape[2] // 2])


MODELS: dict[str, Callable[[int, int], nn.Module]] = {
    "st_cnn": STCNN, "cnn3d": Simple3DCNN, "resnet3d": ResNet3D, "mobilenet": MobileNetHybrid,
}


def build_model(name: str, channels: int, classes: int) -> nn.Module:
    return MODELS[name](channels, classes)
