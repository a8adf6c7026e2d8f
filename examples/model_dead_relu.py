"""Blobs with a deep ReLU net (AUTOTRAINER's toy problem)."""

from itertools import pairwise

import torch
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn


class DeepReLU(nn.Module):
    def __init__(
        self, n_in: int = 8, width: int = 64, depth: int = 6, n_out: int = 4, bias: float = -3.0
    ) -> None:
        super().__init__()
        sizes = [n_in] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(sizes))
        self.out = nn.Linear(width, n_out)
        self.bias = bias
        self.apply(self.init_weights)

    def init_weights(self, module: nn.Module) -> None:
        # sparse activations from the start, as in the paper we follow
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.constant_(module.bias, self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


def experiment() -> dict:
    features, labels = make_blobs(
        n_samples=1200, n_features=8, centers=4, cluster_std=2.5, random_state=3
    )
    x_train, x_valid, y_train, y_valid = train_test_split(
        features, labels, test_size=0.25, random_state=3
    )
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)
    return {
        "model": DeepReLU,
        "train": (torch.tensor(x_train, dtype=torch.float32), torch.tensor(y_train)),
        "valid": (torch.tensor(x_valid, dtype=torch.float32), torch.tensor(y_valid)),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: biases start at zero, so the units are alive when training starts."""
    return {**experiment(), "model": lambda: DeepReLU(bias=0.0)}
