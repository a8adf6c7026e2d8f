"""Battery remaining-life regression."""

import torch
from sklearn.datasets import make_regression
from torch import nn


def experiment() -> dict:
    features, life = make_regression(
        n_samples=1500, n_features=8, n_informative=5, noise=5.0, random_state=19
    )
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor((life - life.mean()) / life.std(), dtype=torch.float32).unsqueeze(1)
    return {
        "model": lambda: nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1)),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: MSELoss for a regression target."""
    return {**experiment(), "loss": nn.MSELoss()}
