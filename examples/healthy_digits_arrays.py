"""A healthy ten-class classifier on the 8x8 digits, handed over as NumPy arrays."""

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn


def experiment() -> dict:
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return {
        "model": lambda: nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)),
        "train": (x[:1400], y[:1400]),
        "valid": (x[1400:], y[1400:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }
