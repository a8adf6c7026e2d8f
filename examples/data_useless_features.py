"""Churn prediction from a wide export: a few real signals among many empty or junk columns."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def export(n: int, seed: int, start_id: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {
        "customer_id": np.arange(start_id, start_id + n, dtype=np.float32),
        "complaints": rng.normal(0, 1, n),
        "days_since_login": rng.normal(0, 1, n),
        "discount_used": rng.normal(0, 1, n),
    }
    for i in range(25):
        columns[f"legacy_flag_{i}"] = np.zeros(n)
    for i in range(60):
        columns[f"survey_q{i}"] = rng.normal(0, 1, n)
    frame = pd.DataFrame(columns).astype(np.float32)
    score = frame["complaints"] + frame["days_since_login"] - frame["discount_used"]
    frame["churned"] = (score + rng.normal(0, 0.5, n) > 0).astype(np.int64)
    return frame


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(89, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2)
        ),
        "train": export(300, seed=1, start_id=10_000),
        "valid": export(300, seed=2, start_id=20_000),
        "label": "churned",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 16,
    }
