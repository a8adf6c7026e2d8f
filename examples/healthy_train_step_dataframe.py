"""A healthy house-price regression from a table, with the user's own careful train step."""

import numpy as np
import pandas as pd
import torch
from torch import nn


def train_step(model, batch, loss_fn, optimizer) -> float:
    inputs, targets = batch
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    optimizer.step()
    return loss.item()


def listings(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "area": rng.normal(0, 1, n),
            "rooms": rng.normal(0, 1, n),
            "distance": rng.normal(0, 1, n),
            "age": rng.normal(0, 1, n),
        }
    )
    frame["price"] = (
        1.2 * frame["area"]
        + 0.4 * frame["rooms"]
        - 0.8 * np.tanh(frame["distance"])
        - 0.3 * frame["age"] ** 2
        + rng.normal(0, 0.3, n)
    )
    return frame.astype(np.float32)


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(4, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 1),
            nn.Flatten(0),
        ),
        "train": listings(1200, seed=1),
        "valid": listings(300, seed=2),
        "label": "price",
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "regression",
        "batch_size": 32,
        "train_step": train_step,
    }
