"""A regression on Friedman's benchmark function."""

import torch
from sklearn.datasets import make_friedman1
from torch import nn


def experiment() -> dict:
    features, target = make_friedman1(n_samples=1500, n_features=10, noise=0.5, random_state=6)
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor((target - target.mean()) / target.std(), dtype=torch.float32)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)
        ),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "regression",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: targets shaped (N, 1) like the model's output, so nothing broadcasts."""
    setup = experiment()
    (train_x, train_y), (valid_x, valid_y) = setup["train"], setup["valid"]
    return {
        **setup,
        "train": (train_x, train_y.unsqueeze(1)),
        "valid": (valid_x, valid_y.unsqueeze(1)),
    }
