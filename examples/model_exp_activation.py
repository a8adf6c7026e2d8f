"""Daily visitor counts from weather, calendar and promotions."""

from collections.abc import Callable

import numpy as np
import torch
from torch import nn


class CountNet(nn.Module):
    def __init__(self, positive: Callable[[torch.Tensor], torch.Tensor] = torch.exp) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 1))
        self.positive = positive

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.positive(self.body(x))


def days(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    temperature = rng.uniform(-5, 35, n)
    weekend = rng.integers(0, 2, n)
    holiday = (rng.random(n) < 0.05).astype(float)
    rain_mm = rng.exponential(3, n)
    promo = rng.integers(0, 2, n)
    events = rng.poisson(1, n)
    visitors = rng.poisson(200 + 12 * temperature + 150 * weekend + 300 * holiday + 80 * promo)
    features = np.column_stack([temperature, weekend, holiday, rain_mm, promo, events])
    return features.astype(np.float32), visitors.astype(np.float32).reshape(-1, 1)


def experiment() -> dict:
    return {
        "model": CountNet,
        "train": days(1200, seed=1),
        "valid": days(300, seed=2),
        "loss": nn.MSELoss(),
        # counts in the hundreds make the squared error's gradient large: a small step suits it
        "optimizer": lambda params: torch.optim.SGD(params, lr=1e-5, momentum=0.9),
        "task": "regression",
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: softplus keeps counts positive without exp's overflow on large outputs."""
    return {**experiment(), "model": lambda: CountNet(positive=nn.functional.softplus)}
