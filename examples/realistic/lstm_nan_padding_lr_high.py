"""Two faults at once: patient vitals sequences padded with NaN where a reading is missing,
and an LSTM trained with Adam at lr 0.5."""

import numpy as np
import torch
from torch import nn

STEPS = 16


def stays(n: int, seed: int, fill: float) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    vitals = rng.normal(0.0, 1.0, (n, STEPS, 2)).astype(np.float32)
    vitals[labels == 1, STEPS // 2 :, 0] += 1.2  # deterioration in the second half
    lengths = rng.integers(10, STEPS + 1, n)
    for i, length in enumerate(lengths):
        vitals[i, length:] = fill
    return torch.from_numpy(vitals), torch.from_numpy(labels)


class VitalsLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, 16, batch_first=True)
        self.head = nn.Linear(16, 2)

    def forward(self, vitals: torch.Tensor) -> torch.Tensor:
        states, _ = self.lstm(vitals)
        return self.head(states.mean(dim=1))


def experiment(fill: float = float("nan"), lr: float = 0.5) -> dict:
    return {
        "model": VitalsLSTM,
        "train": stays(700, seed=61, fill=fill),
        "valid": stays(200, seed=62, fill=fill),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=lr),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(fill=0.0, lr=5e-3)
