"""Weekly sales per store from a DataFrame; store_id (200 stores) goes in as one standardised
number, though each store's level has nothing to do with the order of its id."""

import numpy as np
import pandas as pd
import torch
from torch import nn

STORES = 200


def weeks(n: int, seed: int, one_hot: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    store_level = np.random.default_rng(7).normal(0.0, 1.0, STORES)
    frame = pd.DataFrame(
        {
            "store_id": rng.integers(0, STORES, n),
            "promo": rng.integers(0, 2, n).astype(float),
            "holiday_week": (rng.random(n) < 0.1).astype(float),
            "temperature": rng.normal(15.0, 8.0, n),
        }
    )
    frame["sales"] = (
        2.0 * store_level[frame["store_id"]]
        + 0.5 * frame["promo"]
        + 0.3 * frame["holiday_week"]
        + rng.normal(0, 0.3, n)
    )
    frame["temperature"] = (frame["temperature"] - 15.0) / 8.0
    if one_hot:
        codes = pd.get_dummies(frame["store_id"], prefix="store", dtype=float)
        codes = codes.reindex(columns=[f"store_{i}" for i in range(STORES)], fill_value=0.0)
        frame = pd.concat([frame.drop(columns=["store_id"]), codes], axis=1)
    else:
        frame["store_id"] = (frame["store_id"] - STORES / 2) / (STORES / 2)
    return frame.astype(np.float32)


def experiment(one_hot: bool = False) -> dict:
    inputs = 3 + (STORES if one_hot else 1)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(inputs, 64), nn.ReLU(), nn.Linear(64, 1), nn.Flatten(0)
        ),
        "train": weeks(4000, seed=131, one_hot=one_hot),
        "valid": weeks(800, seed=132, one_hot=one_hot),
        "label": "sales",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 64,
        "task": "regression",
    }


def experiment_fixed() -> dict:
    return experiment(one_hot=True)
