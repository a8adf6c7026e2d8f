"""Sensor traces labelled by whether the level rises or falls over time."""

import torch
from torch import nn


class StepAverager(nn.Module):
    """Embeds every time step, averages the embeddings, classifies the average."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(1, width), nn.ReLU())
        self.classify = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps = self.embed(x.unsqueeze(-1))
        return self.classify(steps.mean(dim=1))


def traces(n: int, seed: int, length: int = 24) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(n, length, generator=generator)
    rising = torch.randint(0, 2, (n,), generator=generator)
    ordered = torch.sort(values, dim=1).values
    traces = torch.where(rising.unsqueeze(1).bool(), ordered, ordered.flip(1))
    return traces + 0.1 * torch.randn(n, length, generator=generator), rising


def experiment() -> dict:
    return {
        "model": StepAverager,
        "train": traces(1500, seed=1),
        "valid": traces(400, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: a network that sees every step in its place (an MLP over the whole trace)."""
    return {
        **experiment(),
        "model": lambda: nn.Sequential(nn.Linear(24, 32), nn.ReLU(), nn.Linear(32, 2)),
    }
