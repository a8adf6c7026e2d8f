"""Meter readings classified with a BatchNorm net and a hand-written step."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train_step(model, batch, loss_fn, optimizer) -> float:
    inputs, targets = batch
    model.eval()  # same forward pass as in production
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def readings(n: int, seed: int) -> TensorDataset:
    rng = np.random.default_rng(seed)
    voltage = rng.normal(230, 5, n)
    current = rng.normal(12, 3, n)
    frequency = rng.normal(50, 0.05, n)
    temperature = rng.normal(60, 10, n)
    faulty = (voltage - 230) / 5 + (current - 12) / 3 - (temperature - 60) / 10 + rng.normal(
        0, 0.5, n
    ) > 0
    features = np.column_stack([voltage, current, frequency, temperature])
    return TensorDataset(
        torch.tensor(features, dtype=torch.float32), torch.tensor(faulty, dtype=torch.long)
    )


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.BatchNorm1d(4),
            nn.Linear(4, 64),
            nn.BatchNorm1d(64),
            nn.ReLU(),
            nn.Linear(64, 2),
        ),
        "train": DataLoader(
            readings(1500, seed=1),
            batch_size=32,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),
        "valid": DataLoader(readings(400, seed=2), batch_size=256),
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
    """The twin: the step trains in training mode, so BatchNorm normalises with batch statistics."""
    return {**experiment(), "train_step": train_step_fixed}
