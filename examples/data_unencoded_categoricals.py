"""Delivery time per order from region, carrier, product and weight."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def orders(n: int, seed: int) -> pd.DataFrame:
    effects = np.random.default_rng(0)
    region_delay = effects.normal(0, 1.5, 40)
    carrier_delay = effects.normal(0, 1.0, 12)
    product_delay = effects.normal(0, 1.0, 30)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "region_code": rng.integers(0, 40, n),
            "carrier_id": rng.integers(0, 12, n),
            "product_type": rng.integers(0, 30, n),
            "weight_kg": rng.normal(0, 1, n).astype(np.float32),
        }
    )
    frame["delivery_days"] = (
        region_delay[frame["region_code"]]
        + carrier_delay[frame["carrier_id"]]
        + product_delay[frame["product_type"]]
        + 0.3 * frame["weight_kg"]
        + rng.normal(0, 0.3, n)
    ).astype(np.float32)
    return frame


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0)
        ),
        "train": orders(2000, seed=1),
        "valid": orders(500, seed=2),
        "label": "delivery_days",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "regression",
        "batch_size": 32,
    }


CATEGORIES = {"region_code": 40, "carrier_id": 12, "product_type": 30}


def one_hot(frame: pd.DataFrame) -> pd.DataFrame:
    """Each code column as one 0/1 column per code, every code present in every split."""
    columns = [frame.drop(columns=list(CATEGORIES))]
    for column, count in CATEGORIES.items():
        codes = pd.Categorical(frame[column], categories=range(count))
        columns.append(
            pd.get_dummies(codes, prefix=column, dtype=np.float32).set_index(frame.index)
        )
    return pd.concat(columns, axis=1)


def experiment_fixed() -> dict:
    """The twin: region, carrier and product one-hot encoded instead of read as numbers."""
    width = 1 + sum(CATEGORIES.values())
    return {
        **experiment(),
        # the encoded table is wider, so the first layer is too
        "model": lambda: nn.Sequential(
            nn.Linear(width, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0)
        ),
        "train": one_hot(orders(2000, seed=1)),
        "valid": one_hot(orders(500, seed=2)),
    }
