"""Solder-joint defect detection from inspection features; BCE with a pos_weight for the rare class."""

import torch
from torch import nn


def inspections(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(n, 10, generator=generator)
    score = 1.5 * features[:, 0] - features[:, 1] + features[:, 2] * features[:, 3]
    defect = (score + 0.3 * torch.randn(n, generator=generator) > 3.0).float()
    return features, defect.unsqueeze(1)


def experiment() -> dict:
    x, y = inspections(2000, seed=81)
    positives = y.mean()
    return {
        "model": lambda: nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1)),
        "train": (x, y),
        "valid": inspections(600, seed=82),
        # meant to up-weight the rare defects: should be negatives / positives
        "loss": nn.BCEWithLogitsLoss(pos_weight=positives / (1 - positives)),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 64,
    }
