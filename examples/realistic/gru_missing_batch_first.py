"""Machine vibration windows (batch, time, sensors) classified by a GRU built without
batch_first, so the GRU runs along the batch and mixes the examples of each batch."""

import numpy as np
import torch
from torch import nn

STEPS, SENSORS = 24, 3


def windows(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    signal = rng.normal(0.0, 0.5, (n, STEPS, SENSORS)).astype(np.float32)
    # a faulty machine shows a burst on sensor 0 somewhere in the first half of the window
    for i in np.flatnonzero(labels):
        start = rng.integers(0, STEPS // 2)
        signal[i, start : start + 4, 0] += 2.0
    return torch.from_numpy(signal), torch.from_numpy(labels)


class VibrationGRU(nn.Module):
    def __init__(self, batch_first: bool = False) -> None:
        super().__init__()
        self.gru = nn.GRU(SENSORS, 24, batch_first=batch_first)
        self.head = nn.Linear(24, 2)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        states, _ = self.gru(window)
        return self.head(states[:, -1])


def experiment(batch_first: bool = False) -> dict:
    return {
        "model": lambda: VibrationGRU(batch_first),
        "train": windows(800, seed=1),
        "valid": windows(200, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=5e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(batch_first=True)
