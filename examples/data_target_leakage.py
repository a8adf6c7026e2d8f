"""Subscription churn predicted from account data."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def accounts(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "monthly_fee": rng.normal(0, 1, n),
            "support_calls": rng.normal(0, 1, n),
            "months_active": rng.normal(0, 1, n),
            "logins_last_30d": rng.normal(0, 1, n),
        }
    )
    signal = 0.6 * frame["support_calls"] - 0.5 * frame["logins_last_30d"]
    churned = (signal + rng.normal(0, 1.2, n) > 0).astype(np.int64)
    frame["exit_survey_score"] = churned * 4.0 + rng.normal(0, 0.2, n)
    frame = frame.astype(np.float32)
    frame["churned"] = churned
    return frame


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 2)),
        "train": accounts(1500, seed=1),
        "valid": accounts(400, seed=2),
        "label": "churned",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: without the exit survey, which is only filled in after a customer leaves."""
    return {
        **experiment(),
        # one input fewer, so the first layer is one narrower
        "model": lambda: nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2)),
        "train": accounts(1500, seed=1).drop(columns=["exit_survey_score"]),
        "valid": accounts(400, seed=2).drop(columns=["exit_survey_score"]),
    }
