"""Defect scans with only 30 labelled examples and a CNN with a wide dense head: it memorises
the training scans and validation stays near chance."""

import numpy as np
import torch
from torch import nn


def scans(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.normal(0.0, 1.0, (n, 1, 12, 12)).astype(np.float32)
    for i in np.flatnonzero(labels):
        row, col = rng.integers(0, 10, 2)
        images[i, 0, row : row + 3, col : col + 3] += 1.5
    return torch.from_numpy(images), torch.from_numpy(labels)


def model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 256),
        nn.ReLU(),
        nn.Linear(256, 2),
    )


def experiment(labelled: int = 30, batch_size: int = 8) -> dict:
    return {
        "model": model,
        "train": scans(labelled, seed=191),
        "valid": scans(300, seed=192),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": batch_size,
    }


def experiment_fixed() -> dict:
    return experiment(labelled=1200, batch_size=32)
