"""Four-class blobs with a small MLP and SGD with momentum."""

import torch
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def loader(features, labels, shuffle: bool) -> DataLoader:
    data = TensorDataset(
        torch.tensor(features, dtype=torch.float32), torch.tensor(labels, dtype=torch.long)
    )
    return DataLoader(
        data, batch_size=32, shuffle=shuffle, generator=torch.Generator().manual_seed(0)
    )


def experiment() -> dict:
    features, labels = make_blobs(
        n_samples=1500, n_features=6, centers=4, cluster_std=3.0, random_state=4
    )
    features = StandardScaler().fit_transform(features)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)
        ),
        "train": loader(features[:1200], labels[:1200], shuffle=True),
        "valid": loader(features[1200:], labels[1200:], shuffle=False),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=5.0, momentum=0.9),
    }


def experiment_fixed() -> dict:
    """The twin: a learning rate of 0.05 instead of 5."""
    return {
        **experiment(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9),
    }
