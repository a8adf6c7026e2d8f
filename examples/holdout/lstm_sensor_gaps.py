"""Next-hour boiler load from the last 24 hourly sensor readings with an LSTM; arrays from a logger."""

import numpy as np
import torch
from torch import nn


def logger_export(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 24, 3) readings: outdoor temp, flow temp, load; the target is the next hour's load.

    The logger writes NaN when a sensor drops off the bus for an hour.
    """
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 24, (n, 1))
    hours = start + np.arange(25)
    outdoor = np.sin(2 * np.pi * hours / 24) + rng.normal(0, 0.1, (n, 25))
    flow = 0.5 * np.cos(2 * np.pi * hours / 24) + rng.normal(0, 0.1, (n, 25))
    load = -0.8 * outdoor + 0.4 * flow + rng.normal(0, 0.1, (n, 25))
    readings = np.stack([outdoor[:, :24], flow[:, :24], load[:, :24]], axis=-1)
    dropped = rng.random(readings.shape) < 0.01
    readings[dropped] = np.nan
    return readings.astype(np.float32), load[:, 24:].astype(np.float32)


class LoadForecaster(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=3, hidden_size=24, batch_first=True)
        self.out = nn.Linear(24, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sequence, _ = self.lstm(x)
        return self.out(sequence[:, -1])


def experiment() -> dict:
    return {
        "model": LoadForecaster,
        "train": logger_export(1200, seed=51),
        "valid": logger_export(300, seed=52),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
    }
