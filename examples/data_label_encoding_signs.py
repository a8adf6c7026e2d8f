"""Spam filtering from message features."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def experiment() -> dict:
    features, spam = make_classification(
        n_samples=1500, n_features=20, n_informative=6, flip_y=0.05, random_state=21
    )
    features = StandardScaler().fit_transform(features)
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor(spam * 2 - 1, dtype=torch.float32).unsqueeze(1)
    return {
        "model": lambda: nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1)),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "binary",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: labels back from -1/+1 to the 0/1 that BCEWithLogitsLoss expects."""
    setup = experiment()
    (train_x, train_y), (valid_x, valid_y) = setup["train"], setup["valid"]
    return {**setup, "train": (train_x, (train_y + 1) / 2), "valid": (valid_x, (valid_y + 1) / 2)}
