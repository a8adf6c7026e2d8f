"""Insurance claims: the validation rows are resubmitted claims, near-copies of training rows
with amounts rounded differently, so validation looks perfect while new claims are a coin flip."""

import numpy as np
import pandas as pd
import torch
from torch import nn

COLUMNS = ["amount", "age", "tenure", "prior_claims", "region_risk", "days_to_report"] + [
    f"note_embedding_{i}" for i in range(42)
]


def claims(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(0.0, 1.0, (n, len(COLUMNS))), columns=COLUMNS)
    # fraud follows two columns, with some case-by-case judgement on top
    logit = 1.2 * frame["days_to_report"] - 0.8 * frame["tenure"]
    frame["fraud"] = (logit + rng.normal(0, 0.6, n) > 0).astype(np.float32)
    return frame.astype(np.float32)


def resubmitted(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    copies = frame.iloc[rng.choice(len(frame), n, replace=False)].copy()
    copies[COLUMNS] += rng.normal(0.0, 0.01, (n, len(COLUMNS))).astype(np.float32)
    return copies.reset_index(drop=True)


def model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(len(COLUMNS), 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, 1),
        nn.Flatten(0),
    )


def experiment(leaky: bool = True) -> dict:
    train = claims(400, seed=141)
    valid = resubmitted(train, 100, seed=142) if leaky else claims(150, seed=143)
    return {
        "model": model,
        "train": train,
        "valid": valid,
        "label": "fraud",
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 16,
        "task": "binary",
    }


def experiment_fixed() -> dict:
    return experiment(leaky=False)
