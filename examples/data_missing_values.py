"""Monthly spend per customer, predicted from a CRM export."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def crm_export(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(0, 1, n),
            "income": rng.normal(0, 1, n),
            "tenure_years": rng.normal(0, 1, n),
            "visits_per_month": rng.normal(0, 1, n),
        }
    ).astype(np.float32)
    frame["spend"] = (
        2.0 * frame["income"]
        + frame["visits_per_month"]
        - 0.5 * frame["age"]
        + rng.normal(0, 0.3, n)
    ).astype(np.float32)
    # the income field is optional in the sign-up form
    frame.loc[rng.random(n) < 0.08, "income"] = np.nan
    return frame


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1), nn.Flatten(0)
        ),
        "train": crm_export(1200, seed=1),
        "valid": crm_export(300, seed=2),
        "label": "spend",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "regression",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: missing incomes filled with the training set's median."""
    train, valid = crm_export(1200, seed=1), crm_export(300, seed=2)
    median = train["income"].median()
    return {
        **experiment(),
        "train": train.fillna({"income": median}),
        "valid": valid.fillna({"income": median}),
    }
