"""Churn prediction from a wide export of the customer database."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def export(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {
        "complaints": rng.normal(0, 1, n),
        "days_since_login": rng.normal(0, 1, n),
        "discount_used": rng.normal(0, 1, n),
    }
    for i in range(25):
        columns[f"legacy_flag_{i}"] = np.zeros(n)
    for i in range(150):
        columns[f"survey_q{i}"] = rng.normal(0, 1, n)
    frame = pd.DataFrame(columns).astype(np.float32)
    score = frame["complaints"] + frame["days_since_login"] - frame["discount_used"]
    frame["churned"] = (score + rng.normal(0, 0.5, n) > 0).astype(np.int64)
    return frame


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(178, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
        ),
        "train": export(300, seed=1),
        "valid": export(300, seed=2),
        "label": "churned",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 16,
    }


KEPT = ["complaints", "days_since_login", "discount_used", "churned"]


def experiment_fixed() -> dict:
    """The twin: the constant legacy flags and the unrelated survey answers left out."""
    return {
        **experiment(),
        # three inputs instead of 178, so the first layer is narrower
        "model": lambda: nn.Sequential(
            nn.Linear(3, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
        ),
        "train": export(300, seed=1)[KEPT],
        "valid": export(300, seed=2)[KEPT],
    }
