"""Handwritten 8x8 digits, ten classes."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class DigitNet(nn.Module):
    def __init__(self, softmax: bool = True) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
        if softmax:
            self.layers.append(nn.Softmax(dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def experiment() -> dict:
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.long)
    train = TensorDataset(x[:1400], y[:1400])
    valid = TensorDataset(x[1400:], y[1400:])
    return {
        "model": DigitNet,
        "train": DataLoader(
            train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)
        ),
        "valid": DataLoader(valid, batch_size=256),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.05),
    }


def experiment_fixed() -> dict:
    """The twin: the net returns logits and CrossEntropyLoss applies the only softmax."""
    return {**experiment(), "model": lambda: DigitNet(softmax=False)}
