"""A small training setup that does not learn: predict Fahrenheit from Celsius.

unstuck's demo diagnoses it. The model and data follow the seed article's first example.
"""

import torch
from torch import nn


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(1, 1), nn.Softmax(dim=1))


def experiment() -> dict[str, object]:
    generator = torch.Generator().manual_seed(0)
    celsius = torch.rand(256, 1, generator=generator) * 80 - 40
    fahrenheit = celsius * 1.8 + 32
    return {
        "model": make_model,
        "train": (celsius[:200], fahrenheit[:200]),
        "valid": (celsius[200:], fahrenheit[200:]),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=0.1),
        "batch_size": 32,
    }
