"""A deep dense regressor on Friedman's benchmark function."""

import torch
from sklearn.datasets import make_friedman1
from torch import nn


def deep_regressor(depth: int = 12, width: int = 128, he_init: bool = False) -> nn.Module:
    layers: list[nn.Module] = [nn.Linear(10, width), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    layers.append(nn.Linear(width, 1))
    net = nn.Sequential(*layers)
    for module in net.modules():
        if isinstance(module, nn.Linear):
            if he_init:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            else:
                nn.init.normal_(module.weight, mean=0.0, std=0.2)
            nn.init.zeros_(module.bias)
    return net


def experiment() -> dict:
    features, target = make_friedman1(n_samples=1500, n_features=10, noise=0.5, random_state=2)
    x = torch.tensor(features, dtype=torch.float32)
    y = torch.tensor((target - target.mean()) / target.std(), dtype=torch.float32).unsqueeze(1)
    return {
        "model": deep_regressor,
        "train": (x[:1200], y[:1200]),
        "valid": (x[1200:], y[1200:]),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: He initialisation, whose spread keeps activations the same size layer to layer."""
    return {**experiment(), "model": lambda: deep_regressor(he_init=True)}
