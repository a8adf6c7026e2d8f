"""Keystroke rhythm sequences (bot or human) through an LSTM, trained with SGD at lr 1e-5
from a DataLoader."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def sessions(n: int, seed: int) -> TensorDataset:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    gaps = rng.normal(0.0, 1.0, (n, 16, 1)).astype(np.float32)
    # bots type with a steady rhythm: far less spread between keystrokes
    gaps[labels == 1] *= 0.2
    gaps[labels == 1] += 0.5
    return TensorDataset(torch.from_numpy(gaps), torch.from_numpy(labels))


class RhythmLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 16, batch_first=True)
        self.head = nn.Linear(16, 2)

    def forward(self, gaps: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(gaps)
        return self.head(hidden[-1])


def experiment(lr: float = 1e-5) -> dict:
    return {
        "model": RhythmLSTM,
        "train": DataLoader(sessions(800, seed=41), batch_size=32, shuffle=True),
        "valid": DataLoader(sessions(200, seed=42), batch_size=64),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=lr, momentum=0.9),
    }


def experiment_fixed() -> dict:
    return experiment(lr=0.1)
