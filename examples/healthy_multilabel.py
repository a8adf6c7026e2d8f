"""A healthy multi-label tagger: several tags per row, one logit per tag."""

import torch
from sklearn.datasets import make_multilabel_classification
from sklearn.preprocessing import StandardScaler
from torch import nn


def experiment() -> dict:
    features, tags = make_multilabel_classification(
        n_samples=1500, n_features=20, n_classes=5, n_labels=2, random_state=61
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(tags, dtype=torch.float32)
    return {
        "model": lambda: nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5)),
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "multilabel",
        "batch_size": 32,
    }
