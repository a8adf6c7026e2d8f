"""A classifier with an encoder and a head, fine-tuned in two phases."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self, n_in: int = 20, n_classes: int = 4, freeze_encoder: bool = True) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(n_in, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 8),
            nn.ReLU(),
        )
        self.head = nn.Linear(8, n_classes)
        if freeze_encoder:
            for parameter in self.encoder.parameters():
                parameter.requires_grad = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=2000, n_features=20, n_informative=8, n_classes=4, random_state=17
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    return {
        "model": Classifier,
        "train": DataLoader(
            TensorDataset(x[:1600], y[:1600]),
            batch_size=32,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),
        "valid": DataLoader(TensorDataset(x[1600:], y[1600:]), batch_size=256),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
    }


def experiment_fixed() -> dict:
    """The twin: the encoder is trained along with the head."""
    return {**experiment(), "model": lambda: Classifier(freeze_encoder=False)}
