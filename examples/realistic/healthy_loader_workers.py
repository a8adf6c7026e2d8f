"""A healthy image classifier whose DataLoader uses two worker processes and pinned memory."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Rings(Dataset):
    """10x10 images: a ring (label 1) or a filled disc (label 0), at random places."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        yy, xx = np.mgrid[:10, :10]
        self.images = rng.normal(0.0, 0.3, (n, 1, 10, 10)).astype(np.float32)
        for i, ring in enumerate(self.labels):
            cy, cx = rng.uniform(3.5, 5.5, 2)
            distance = np.hypot(yy - cy, xx - cx)
            shape = (np.abs(distance - 2.5) < 0.8) if ring else (distance < 2.5)
            self.images[i, 0] += shape
        # a few images were labelled by a tired annotator
        wrong = rng.random(n) < 0.05
        self.labels[wrong] = 1 - self.labels[wrong]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(self.images[index]), int(self.labels[index])


def model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(32, 2),
    )


def experiment() -> dict:
    return {
        "model": model,
        "train": DataLoader(Rings(600, seed=171), batch_size=32, shuffle=True, num_workers=2),
        "valid": DataLoader(Rings(200, seed=172), batch_size=64, num_workers=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=5e-3),
    }
