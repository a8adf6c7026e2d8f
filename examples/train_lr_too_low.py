"""A four-class tabular classifier trained with SGD."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=1500, n_features=16, n_informative=8, n_classes=4, random_state=23
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)
        ),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=1e-5),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: a learning rate of 0.05 instead of 0.00001."""
    return {**experiment(), "optimizer": lambda params: torch.optim.SGD(params, lr=0.05)}
