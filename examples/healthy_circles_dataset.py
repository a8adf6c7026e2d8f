"""A healthy binary classifier on noisy concentric circles, served by a Dataset."""

import torch
from sklearn.datasets import make_circles
from torch import nn
from torch.utils.data import Dataset


class Circles(Dataset):
    def __init__(self, n: int, seed: int) -> None:
        features, labels = make_circles(n_samples=n, noise=0.15, factor=0.5, random_state=seed)
        self.features = torch.tensor(features, dtype=torch.float32)
        self.labels = torch.tensor(labels, dtype=torch.float32).unsqueeze(1)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)
        ),
        "train": Circles(1000, seed=0),
        "valid": Circles(300, seed=1),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "task": "binary",
        "batch_size": 32,
    }
