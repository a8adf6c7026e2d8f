"""Digit-like glyph classes from a DataLoader; the net ends in Softmax and trains with
CrossEntropyLoss, which applies log-softmax again."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

CLASSES = 5


def glyphs(n: int, seed: int) -> TensorDataset:
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(0).random((CLASSES, 8, 8)) > 0.6
    labels = rng.integers(0, CLASSES, n)
    images = prototypes[labels].astype(np.float32) + rng.normal(0, 0.7, (n, 8, 8))
    return TensorDataset(torch.tensor(images[:, None], dtype=torch.float32), torch.tensor(labels))


def model(softmax: bool = True) -> nn.Module:
    layers: list[nn.Module] = [
        nn.Conv2d(1, 12, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(12 * 4 * 4, 32),
        nn.ReLU(),
        nn.Linear(32, CLASSES),
    ]
    if softmax:
        layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers)


def experiment(softmax: bool = True) -> dict:
    return {
        "model": lambda: model(softmax),
        "train": DataLoader(glyphs(800, seed=1), batch_size=32, shuffle=True),
        "valid": DataLoader(glyphs(200, seed=2), batch_size=64),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.05),
    }


def experiment_fixed() -> dict:
    return experiment(softmax=False)
