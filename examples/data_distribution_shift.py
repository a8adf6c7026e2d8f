"""Machine-failure prediction for two plants."""

import torch
from sklearn.datasets import make_classification
from torch import nn


def plants() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Plant A's rows, and plant B's as its sensors read them (other gains and offsets)."""
    features, failed = make_classification(
        n_samples=2000, n_features=8, n_informative=5, random_state=12
    )
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(failed, dtype=torch.long)
    plant_a, plant_b = slice(0, 1600), slice(1600, 2000)
    gain = torch.tensor([3.0, -1.0, 0.3, 2.5, 1.0, -2.0, 4.0, 0.5])
    offset = torch.tensor([2.0, 1.0, -3.0, 0.0, 2.5, 0.0, -1.5, 3.0])
    return x[plant_a], y[plant_a], x[plant_b] * gain + offset, y[plant_b]


def experiment() -> dict:
    train_x, train_y, valid_x, valid_y = plants()
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        ),
        "train": (train_x, train_y),
        "valid": (valid_x, valid_y),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: training also sees plant B's readings (half of them), validation the rest."""
    train_x, train_y, valid_x, valid_y = plants()
    return {
        **experiment(),
        "train": (torch.cat([train_x, valid_x[:200]]), torch.cat([train_y, valid_y[:200]])),
        "valid": (valid_x[200:], valid_y[200:]),
    }
