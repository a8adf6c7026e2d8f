"""Concentric circles with a three-layer net."""

import torch
from sklearn.datasets import make_circles
from torch import nn


class CircleNet(nn.Module):
    def __init__(self, activate: bool = False) -> None:
        super().__init__()
        self.activate = activate
        self.fc1 = nn.Linear(2, 64)
        self.fc2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 2)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x)
        if self.activate:
            x = self.act(x)
        x = self.fc2(x)
        if self.activate:
            x = self.act(x)
        return self.out(x)


def circles(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    features, labels = make_circles(n_samples=n, noise=0.1, factor=0.4, random_state=seed)
    return torch.tensor(features, dtype=torch.float32), torch.tensor(labels, dtype=torch.long)


def experiment() -> dict:
    return {
        "model": CircleNet,
        "train": circles(1000, seed=0),
        "valid": circles(300, seed=1),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: the ReLU the net defines is applied after each hidden layer."""
    return {**experiment(), "model": lambda: CircleNet(activate=True)}
