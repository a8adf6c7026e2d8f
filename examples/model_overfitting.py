"""Insurance claim classification from forty features."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def experiment() -> dict:
    features, claim = make_classification(
        n_samples=1500,
        n_features=40,
        n_informative=6,
        n_redundant=4,
        flip_y=0.15,
        random_state=8,
    )
    features = StandardScaler().fit_transform(features)
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(claim, dtype=torch.long)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(40, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 2),
        ),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: a network sized for 1,200 rows (16 hidden units instead of 2 x 512)."""
    return {
        **experiment(),
        "model": lambda: nn.Sequential(nn.Linear(40, 16), nn.ReLU(), nn.Linear(16, 2)),
    }
