"""A four-class classifier of measurements served by a Dataset."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import Dataset


class Measurements(Dataset):
    def __init__(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        self.features, self.labels = features, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=2500,
        n_features=16,
        n_informative=8,
        n_classes=4,
        class_sep=1.5,
        random_state=37,
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)
        ),
        "train": Measurements(x[:2000], y[:2000]),
        "valid": Measurements(x[2000:], y[2000:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.03),
        "batch_size": 64,
    }


def experiment_fixed() -> dict:
    """The twin is the same setup: the fault is the epoch budget, which lives outside it.
    examples/verify.py trains this twin ten times as long as the user did."""
    return experiment()
