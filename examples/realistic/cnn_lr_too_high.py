"""Stripe orientation (horizontal, vertical, diagonal) with a small CNN and plain SGD at lr 5."""

import numpy as np
import torch
from torch import nn


def stripes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    grid = np.arange(10)
    patterns = [
        np.tile((grid % 3 == 0)[:, None], (1, 10)),
        np.tile((grid % 3 == 0)[None, :], (10, 1)),
        (grid[:, None] + grid[None, :]) % 3 == 0,
    ]
    images = rng.normal(0.0, 0.5, (n, 1, 10, 10)).astype(np.float32)
    for i, kind in enumerate(labels):
        images[i, 0] += np.roll(patterns[kind], rng.integers(0, 3), axis=0)
    return torch.from_numpy(images), torch.from_numpy(labels)


def model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 3),
    )


def experiment(lr: float = 5.0) -> dict:
    return {
        "model": model,
        "train": stripes(600, seed=3),
        "valid": stripes(200, seed=4),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=lr, momentum=0.9),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(lr=0.05)
