"""Loan default prediction from applicant figures."""

import numpy as np
import torch
from torch import nn


def applicants(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    income = rng.normal(55_000, 18_000, n)
    loan = rng.normal(150_000, 60_000, n)
    age = rng.uniform(20, 70, n)
    accounts = rng.poisson(3, n)
    risk = loan / income - 3.0 - 0.02 * (age - 45) + rng.normal(0, 0.5, n)
    features = np.column_stack([income, loan, age, accounts]).astype(np.float32)
    return features, (risk > 0).astype(np.int64)


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        ),
        "train": applicants(1500, seed=1),
        "valid": applicants(400, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: every column standardised with the training set's mean and spread."""
    (train_x, train_y), (valid_x, valid_y) = applicants(1500, seed=1), applicants(400, seed=2)
    mean, spread = train_x.mean(axis=0), train_x.std(axis=0)
    return {
        **experiment(),
        "train": ((train_x - mean) / spread, train_y),
        "valid": ((valid_x - mean) / spread, valid_y),
    }
