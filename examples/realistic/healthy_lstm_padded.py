"""A healthy LSTM over variable-length step-count sequences, zero-padded at the end, pooled with
a mask so padding does not count. Data come from a custom Dataset."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

MAX_STEPS = 20


class Walks(Dataset):
    """Daily activity traces of 8 to 20 days; label: did the trend go up over the period."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.traces = np.zeros((n, MAX_STEPS, 2), dtype=np.float32)
        self.labels = rng.integers(0, 2, n)
        for i, rising in enumerate(self.labels):
            length = rng.integers(8, MAX_STEPS + 1)
            slope = rng.uniform(0.01, 0.08) * (1 if rising else -1)
            days = np.arange(length)
            self.traces[i, :length, 0] = slope * days + rng.normal(0, 0.5, length)
            self.traces[i, :length, 1] = 1.0  # the "observed" flag that marks real days

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(self.traces[index]), torch.tensor(self.labels[index])


class TrendLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2, 24, batch_first=True)
        self.head = nn.Linear(24, 2)

    def forward(self, traces: torch.Tensor) -> torch.Tensor:
        states, _ = self.lstm(traces)
        mask = traces[:, :, 1:2]
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.head(pooled)


def experiment() -> dict:
    return {
        "model": TrendLSTM,
        "train": Walks(700, seed=31),
        "valid": Walks(200, seed=32),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
    }
