"""A healthy small CNN that tells which quadrant of a noisy 12x12 image holds a bright spot."""

import numpy as np
import torch
from torch import nn


def spots(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    images = rng.normal(0.0, 0.6, (n, 1, 12, 12)).astype(np.float32)
    for i, quadrant in enumerate(labels):
        row, col = 6 * (quadrant // 2) + rng.integers(1, 4), 6 * (quadrant % 2) + rng.integers(1, 4)
        images[i, 0, row : row + 2, col : col + 2] += 1.5
    return torch.from_numpy(images), torch.from_numpy(labels)


class SpotNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(16 * 3 * 3, 4))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def experiment() -> dict:
    return {
        "model": SpotNet,
        "train": spots(800, seed=1),
        "valid": spots(200, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
    }
