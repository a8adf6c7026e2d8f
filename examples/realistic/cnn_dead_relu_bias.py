"""Crack detection on concrete tiles: a CNN whose conv biases were initialised to -8 "to keep
activations sparse", so every ReLU is dead from the start."""

import numpy as np
import torch
from torch import nn


def tiles(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = rng.normal(0.0, 0.5, (n, 1, 12, 12)).astype(np.float32)
    for i in np.flatnonzero(labels):
        start = rng.integers(0, 12)
        for row in range(12):
            images[i, 0, row, (start + row) % 12] += 1.5
    return torch.from_numpy(images), torch.from_numpy(labels)


def model(bias: float = -8.0) -> nn.Module:
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 2),
    )
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            nn.init.constant_(layer.bias, bias)
    return net


def experiment(bias: float = -8.0) -> dict:
    return {
        "model": lambda: model(bias),
        "train": tiles(600, seed=21),
        "valid": tiles(200, seed=22),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(bias=0.0)
