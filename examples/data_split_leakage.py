"""Defect detection on production-line measurements."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def measurements(copies: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each part's measurements, logged ``copies`` times (the line logs every station)."""
    features, defect = make_classification(
        n_samples=500, n_features=12, n_informative=5, flip_y=0.2, random_state=9
    )
    features = StandardScaler().fit_transform(features)
    x = torch.tensor(features, dtype=torch.float32).repeat(copies, 1)
    y = torch.tensor(defect, dtype=torch.long).repeat(copies)
    return x, y


def experiment(copies: int = 5) -> dict:
    x, y = measurements(copies)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    x, y = x[order], y[order]
    split = int(0.8 * len(y))
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(12, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
        ),
        "train": (x[:split], y[:split]),
        "valid": (x[split:], y[split:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: duplicates dropped before the split, so no part is in both halves."""
    return experiment(copies=1)
