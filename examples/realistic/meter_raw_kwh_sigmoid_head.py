"""Two faults at once: household consumption in kWh (hundreds) predicted from raw meter columns
in the thousands, through a head that ends in a sigmoid."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def households(n: int, seed: int, scaled: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "floor_area_sqft": rng.uniform(500, 4000, n),
            "last_bill_kwh": rng.uniform(100, 1500, n),
            "occupants": rng.integers(1, 6, n).astype(float),
            "heating_degree_days": rng.uniform(0, 600, n),
        }
    )
    frame["next_kwh"] = (
        0.05 * frame["floor_area_sqft"]
        + 0.5 * frame["last_bill_kwh"]
        + 40 * frame["occupants"]
        + 0.3 * frame["heating_degree_days"]
        + rng.normal(0, 20, n)
    )
    if scaled:
        features = [c for c in frame.columns if c != "next_kwh"]
        frame[features] = (frame[features] - frame[features].mean()) / frame[features].std()
        frame["next_kwh"] = (frame["next_kwh"] - 700.0) / 250.0
    return frame.astype(np.float32)


def experiment(broken: bool = True) -> dict:
    head: list[nn.Module] = [nn.Sigmoid()] if broken else []
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1), *head, nn.Flatten(0)
        ),
        "train": households(1000, seed=181, scaled=not broken),
        "valid": households(250, seed=182, scaled=not broken),
        "label": "next_kwh",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
        "task": "regression",
    }


def experiment_fixed() -> dict:
    return experiment(broken=False)
