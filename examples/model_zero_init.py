"""A three-class tabular classifier served by a Dataset."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import Dataset


class Rows(Dataset):
    def __init__(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        self.features, self.labels = features, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


def build_model(zero_init: bool = True) -> nn.Module:
    model = nn.Sequential(
        nn.Linear(12, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 3)
    )
    if zero_init:
        for parameter in model.parameters():
            nn.init.zeros_(parameter)
    return model


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=1500, n_features=12, n_informative=6, n_classes=3, random_state=13
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    return {
        "model": build_model,
        "train": Rows(x[:1200], y[:1200]),
        "valid": Rows(x[1200:], y[1200:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: PyTorch's default random initialisation, so the units can differ."""
    return {**experiment(), "model": lambda: build_model(zero_init=False)}
