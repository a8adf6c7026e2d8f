"""Next-hour electricity load (in MW, roughly 20 to 80) from the last 12 hours with a GRU; the
head ends in a sigmoid, so it can never say more than 1."""

import numpy as np
import torch
from torch import nn


def hours(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, n)[:, None]
    level = rng.uniform(30, 60, n)[:, None]
    t = np.arange(13)[None, :]
    load = level + 15 * np.sin(phase + t * 2 * np.pi / 24) + rng.normal(0, 1.0, (n, 13))
    inputs = ((load[:, :12] - 50.0) / 20.0).astype(np.float32)[:, :, None]
    return torch.from_numpy(inputs), torch.from_numpy(load[:, 12].astype(np.float32))


class LoadGRU(nn.Module):
    def __init__(self, sigmoid: bool = True, scale: float = 1.0) -> None:
        super().__init__()
        self.gru = nn.GRU(1, 32, batch_first=True)
        self.head = nn.Linear(32, 1)
        self.sigmoid = sigmoid
        self.scale = scale

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        _, hidden = self.gru(history)
        value = self.head(hidden[-1]).squeeze(-1)
        return torch.sigmoid(value) if self.sigmoid else value * self.scale + 50.0


def experiment(sigmoid: bool = True) -> dict:
    return {
        "model": lambda: LoadGRU(sigmoid, scale=20.0),
        "train": hours(800, seed=51),
        "valid": hours(200, seed=52),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=5e-3),
        "batch_size": 32,
        "task": "regression",
    }


def experiment_fixed() -> dict:
    return experiment(sigmoid=False)
