"""Energy use of a building predicted from its sensor logs."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def sensor_log(n: int, seed: int, glitches: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "outside_temp": rng.normal(0, 1, n),
            "occupancy": rng.normal(0, 1, n),
            "humidity": rng.normal(0, 1, n),
            "hour_sin": np.sin(rng.uniform(0, 2 * np.pi, n)),
        }
    )
    frame["kwh"] = (
        20
        + 3 * frame["occupancy"]
        - 2 * frame["outside_temp"]
        + frame["hour_sin"]
        + rng.normal(0, 0.5, n)
    )
    if glitches:
        broken = rng.random(n) < 0.04
        frame.loc[broken, "humidity"] = 9999.0
        frame.loc[broken, "outside_temp"] = -9999.0
        misread = rng.random(n) < 0.03
        frame.loc[misread, "kwh"] *= 1000.0
    return frame.astype(np.float32)


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1), nn.Flatten(0)
        ),
        "train": sensor_log(1500, seed=1, glitches=True),
        # the audited week, checked by hand
        "valid": sensor_log(300, seed=2, glitches=False),
        "label": "kwh",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "task": "regression",
        "batch_size": 32,
    }


def without_glitches(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose readings are physically possible (the sensors write 9999 when they fail)."""
    possible = (frame["humidity"].abs() < 1000) & (frame["outside_temp"].abs() < 1000)
    return frame[possible & (frame["kwh"] < 1000)]


def experiment_fixed() -> dict:
    """The twin: the glitched rows are dropped from the training log."""
    return {**experiment(), "train": without_glitches(sensor_log(1500, seed=1, glitches=True))}
