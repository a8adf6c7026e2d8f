"""Support tickets routed to one of three teams, labelled by annotators."""

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from torch import nn

COLUMNS = [f"signal_{i}" for i in range(12)]


def tickets(seed: int, relabelled_share: float = 0.6) -> pd.DataFrame:
    features, team = make_classification(
        n_samples=2000, n_features=12, n_informative=6, n_classes=3, random_state=seed
    )
    frame = pd.DataFrame(features.astype(np.float32), columns=COLUMNS)
    rng = np.random.default_rng(seed)
    relabelled = rng.random(len(team)) < relabelled_share
    team[relabelled] = rng.integers(0, 3, size=relabelled.sum())
    frame["team"] = team
    return frame


def experiment() -> dict:
    frame = tickets(seed=4)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
        ),
        "train": frame.iloc[:1600],
        "valid": frame.iloc[1600:],
        "label": "team",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "multiclass",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: the same tickets, labelled without the annotators' random relabelling."""
    frame = tickets(seed=4, relabelled_share=0.0)
    return {**experiment(), "train": frame.iloc[:1600], "valid": frame.iloc[1600:]}
