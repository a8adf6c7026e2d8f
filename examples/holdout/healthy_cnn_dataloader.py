"""Wafer-map pattern classifier: a small CNN on 16x16 maps, scaled to [0, 1], fed by a DataLoader."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def wafer_maps(n: int, seed: int) -> TensorDataset:
    """Defect density maps: 0 = none, 1 = edge ring, 2 = centre spot, 3 = horizontal streak."""
    rng = np.random.default_rng(seed)
    pattern = rng.integers(0, 4, n)
    rows, cols = np.mgrid[0:16, 0:16]
    radius = np.sqrt((rows - 7.5) ** 2 + (cols - 7.5) ** 2)
    maps = rng.uniform(0.0, 0.6, (n, 16, 16))
    for i in range(n):
        if pattern[i] == 1:
            maps[i][radius > 6.0] += 0.25
        elif pattern[i] == 2:
            cx, cy = rng.normal(7.5, 1.5, 2)
            maps[i][(rows - cx) ** 2 + (cols - cy) ** 2 <= 6] += 0.25
        elif pattern[i] == 3:
            row = rng.integers(2, 14)
            maps[i][row : row + 2] += 0.25
    mislabelled = rng.random(n) < 0.05  # the labelling tool slips now and then
    pattern[mislabelled] = rng.integers(0, 4, int(mislabelled.sum()))
    images = torch.tensor(np.clip(maps, 0.0, 1.0), dtype=torch.float32).unsqueeze(1)
    return TensorDataset(images, torch.tensor(pattern))


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten(),
            nn.Linear(64, 4),
        ),
        "train": DataLoader(
            wafer_maps(1200, seed=11),
            batch_size=32,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),
        "valid": DataLoader(wafer_maps(300, seed=12), batch_size=256),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
    }
