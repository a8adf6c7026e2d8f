"""Scratch detection on 16x16 grey camera crops with a small CNN; pixels straight from the sensor."""

import numpy as np
import torch
from torch import nn


def crops(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Grey 8-bit crops; a scratch is a faint diagonal line, a dent a bright blob, else clean."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 3, n)
    images = rng.normal(120, 25, (n, 16, 16))
    rows, cols = np.mgrid[0:16, 0:16]
    for i in range(n):
        r, c = rng.integers(3, 13, 2)
        if kind[i] == 1:
            offset = rng.integers(-4, 5)
            images[i][np.abs(rows - cols - offset) <= 0] += 60
        elif kind[i] == 2:
            images[i][(rows - r) ** 2 + (cols - c) ** 2 <= 5] += 70
    pixels = np.clip(images, 0, 255).astype(np.uint8)
    return torch.tensor(pixels, dtype=torch.float32).unsqueeze(1), torch.tensor(kind)


class ScratchNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classify = nn.Linear(16 * 4 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x).flatten(1))


def experiment() -> dict:
    torch.manual_seed(0)
    return {
        "model": ScratchNet,
        "train": crops(1200, seed=3),
        "valid": crops(300, seed=4),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "batch_size": 32,
    }
