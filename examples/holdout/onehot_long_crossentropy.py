"""Soil type from field probe readings; the Dataset hands out one-hot labels."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

SOILS = ["clay", "loam", "sand", "silt", "peat"]


class ProbeReadings(Dataset):
    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        soil = rng.integers(0, len(SOILS), n)
        centres = np.random.default_rng(0).normal(0, 1.5, (len(SOILS), 6))
        self.x = torch.tensor(centres[soil] + rng.normal(0, 1, (n, 6)), dtype=torch.float32)
        # one-hot "like in Keras", straight from F.one_hot (int64)
        self.y = F.one_hot(torch.tensor(soil), num_classes=len(SOILS))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, len(SOILS))),
        "train": ProbeReadings(1200, seed=31),
        "valid": ProbeReadings(300, seed=32),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }
