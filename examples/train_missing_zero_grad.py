"""A four-class classifier trained with a hand-written step function."""

import torch
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train_step(model, batch, loss_fn, optimizer) -> float:
    inputs, targets = batch
    model.train()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def experiment() -> dict:
    features, labels = make_classification(
        n_samples=1500, n_features=16, n_informative=8, n_classes=4, random_state=29
    )
    x = torch.tensor(StandardScaler().fit_transform(features), dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)
        ),
        "train": DataLoader(
            TensorDataset(x[:1200], y[:1200]),
            batch_size=32,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),
        "valid": DataLoader(TensorDataset(x[1200:], y[1200:]), batch_size=256),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "train_step": train_step,
    }


def train_step_fixed(model, batch, loss_fn, optimizer) -> float:
    inputs, targets = batch
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def experiment_fixed() -> dict:
    """The twin: the step clears the previous batch's gradients first."""
    return {**experiment(), "train_step": train_step_fixed}
