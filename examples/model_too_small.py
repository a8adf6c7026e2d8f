"""A five-arm spiral, five classes."""

import numpy as np
import torch
from torch import nn


def spiral(n_per_class: int, seed: int, classes: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for arm in range(classes):
        radius = np.linspace(0.05, 1.0, n_per_class)
        angle = arm * 2 * np.pi / classes + radius * 4.0 + rng.normal(0, 0.15, n_per_class)
        points.append(np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]))
        labels.append(np.full(n_per_class, arm))
    return (
        torch.tensor(np.concatenate(points), dtype=torch.float32),
        torch.tensor(np.concatenate(labels), dtype=torch.long),
    )


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 5)),
        "train": spiral(300, seed=1),
        "valid": spiral(80, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: 64 hidden units instead of 3, enough to bend around five arms."""
    return {
        **experiment(),
        "model": lambda: nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 5)),
    }
