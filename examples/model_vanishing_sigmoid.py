"""Concentric circles with a deep dense net (AUTOTRAINER's toy problem)."""

import torch
from sklearn.datasets import make_circles
from torch import nn


def circles(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    features, labels = make_circles(n_samples=n, noise=0.08, factor=0.5, random_state=seed)
    return (
        torch.tensor(features, dtype=torch.float32),
        torch.tensor(labels, dtype=torch.float32).unsqueeze(1),
    )


def deep_net(
    depth: int = 10, width: int = 32, activation: type[nn.Module] = nn.Sigmoid
) -> nn.Module:
    layers: list[nn.Module] = [nn.Linear(2, width), activation()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), activation()]
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def experiment() -> dict:
    return {
        "model": deep_net,
        "train": circles(1000, seed=0),
        "valid": circles(300, seed=1),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01),
        "task": "binary",
        "batch_size": 32,
    }


def he_initialised(model: nn.Module) -> nn.Module:
    """He initialisation keeps a ReLU signal's scale from layer to layer; PyTorch's default for
    Linear draws weights a third as large in variance, so ten ReLU layers still shrink it."""
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return model


def experiment_fixed() -> dict:
    """The twin: ReLU between the layers, whose gradient does not shrink at every layer, with
    the initialisation made for it."""
    return {**experiment(), "model": lambda: he_initialised(deep_net(activation=nn.ReLU))}
