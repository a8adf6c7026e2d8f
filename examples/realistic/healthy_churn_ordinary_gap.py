"""A healthy churn model on a DataFrame with a wide MLP: it fits training almost perfectly and
validation lands some points lower, the ordinary gap of a model that is doing its job."""

import numpy as np
import pandas as pd
import torch
from torch import nn

COLUMNS = ["tenure", "monthly_charges", "contract_months", "late_payments", "usage_drop", "age"]


def accounts(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(0.0, 1.0, (n, len(COLUMNS))), columns=COLUMNS)
    logit = (
        -1.5 * frame["tenure"]
        + 1.2 * frame["late_payments"]
        + 1.0 * frame["usage_drop"]
        - 0.8 * frame["contract_months"]
    )
    frame["churn"] = (2.0 * logit + rng.normal(0, 0.8, n) > 0).astype(float)
    return frame.astype(np.float32)


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(len(COLUMNS), 128),
            nn.ReLU(),
            nn.Linear(128, 128),
            nn.ReLU(),
            nn.Linear(128, 1),
            nn.Flatten(0),
        ),
        "train": accounts(800, seed=161),
        "valid": accounts(300, seed=162),
        "label": "churn",
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
        "task": "binary",
    }
