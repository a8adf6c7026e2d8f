"""A healthy credit-risk MLP with a careful train step: gradients accumulated over 4 batches and
cleared after each update, clipped to norm 1 before the step."""

import numpy as np
import torch
from torch import nn

FEATURES = 8


def applicants(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    inputs = rng.normal(0.0, 1.0, (n, FEATURES)).astype(np.float32)
    logit = 1.5 * inputs[:, 0] - inputs[:, 1] + 0.8 * inputs[:, 2] * inputs[:, 3]
    labels = (logit + rng.normal(0, 0.5, n) > 0).astype(np.float32)
    return torch.from_numpy(inputs), torch.from_numpy(labels)


class AccumulatingStep:
    def __init__(self, every: int = 4) -> None:
        self.every = every
        self.calls = 0

    def __call__(self, model, batch, loss_fn, optimizer) -> float:
        inputs, targets = batch
        loss = loss_fn(model(inputs).squeeze(-1), targets)
        (loss / self.every).backward()
        self.calls += 1
        if self.calls % self.every == 0:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            optimizer.zero_grad()
        return loss.item()


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(FEATURES, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)
        ),
        "train": applicants(1000, seed=121),
        "valid": applicants(300, seed=122),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 16,
        "train_step": AccumulatingStep(every=4),
        "task": "binary",
    }
