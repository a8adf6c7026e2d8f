"""Celsius-to-Fahrenheit regression (the seed article's first example)."""

import torch
from torch import nn


def make_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    celsius = torch.rand(n, 1, generator=generator) * 80 - 40
    fahrenheit = celsius * 1.8 + 32 + torch.randn(n, 1, generator=generator)
    return celsius, fahrenheit


def build_model() -> nn.Module:
    return nn.Sequential(nn.Linear(1, 1), nn.Softmax(dim=1))


def experiment() -> dict:
    return {
        "model": build_model,
        "train": make_data(300, seed=1),
        "valid": make_data(100, seed=2),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=0.1),
        "batch_size": 16,
    }


def experiment_fixed() -> dict:
    """The twin: a plain linear output (a softmax over one output is always 1)."""
    return {**experiment(), "model": lambda: nn.Sequential(nn.Linear(1, 1))}
