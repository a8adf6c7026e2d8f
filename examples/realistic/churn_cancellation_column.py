"""Subscription churn from a CRM export that still holds cancellation_fee_charged, a column
filled in only after the customer has left."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def customers(n: int, seed: int, leaky: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "monthly_fee": rng.normal(0.0, 1.0, n),
            "support_calls": rng.poisson(2.0, n).astype(float),
            "months_active": rng.normal(0.0, 1.0, n),
            "discount": rng.integers(0, 2, n).astype(float),
        }
    )
    logit = 0.8 * frame["support_calls"] - 1.6 - 0.7 * frame["months_active"]
    frame["churned"] = (logit + rng.normal(0, 1.0, n) > 0).astype(float)
    if leaky:
        frame["cancellation_fee_charged"] = frame["churned"] * rng.uniform(0.5, 1.0, n)
    frame["support_calls"] = (frame["support_calls"] - 2.0) / 1.4
    return frame.astype(np.float32)


def experiment(leaky: bool = True) -> dict:
    inputs = 5 if leaky else 4
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(inputs, 32), nn.ReLU(), nn.Linear(32, 1), nn.Flatten(0)
        ),
        "train": customers(1200, seed=151, leaky=leaky),
        "valid": customers(300, seed=152, leaky=leaky),
        "label": "churned",
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
        "task": "binary",
    }


def experiment_fixed() -> dict:
    return experiment(leaky=False)
