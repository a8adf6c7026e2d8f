"""A binary classifier with a hand-written binary cross-entropy."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def binary_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    probability = torch.sigmoid(logits)
    return -(targets * torch.log(probability) + (1 - targets) * torch.log(1 - probability)).mean()


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=1500, n_features=10, n_informative=5, class_sep=2.5, flip_y=0, random_state=43
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.float32).unsqueeze(1)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)
        ),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": binary_cross_entropy,
        "optimizer": lambda params: torch.optim.Adam(params, lr=0.01),
        "task": "binary",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: BCEWithLogitsLoss, which computes the same loss without log(0)."""
    return {**experiment(), "loss": nn.BCEWithLogitsLoss()}
