"""Celsius-to-Fahrenheit readings (the seed article's second example)."""

import numpy as np
import torch
from torch import nn


def load_readings(rng: np.random.Generator, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    celsius = rng.uniform(-50, 50, size=(n, 1)).astype(np.float32)
    fahrenheit = (celsius * 1.8 + 32 + rng.normal(0, 3, size=(n, 1))).astype(np.float32)
    return celsius, fahrenheit


def experiment(aligned: bool = False) -> dict:
    rng = np.random.default_rng(7)
    celsius, fahrenheit = load_readings(rng)
    # shuffle before splitting so the validation part is not just the last sensor
    if aligned:
        order = rng.permutation(len(celsius))
        celsius, fahrenheit = celsius[order], fahrenheit[order]
    else:
        celsius = rng.permutation(celsius)
        fahrenheit = rng.permutation(fahrenheit)
    celsius = celsius / 50.0
    split = 480
    return {
        "model": lambda: nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1)),
        "train": (celsius[:split], fahrenheit[:split]),
        "valid": (celsius[split:], fahrenheit[split:]),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=0.1),
        "task": "regression",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: inputs and targets shuffled with one permutation, so pairs stay together."""
    return experiment(aligned=True)
