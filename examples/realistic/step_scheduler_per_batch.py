"""Fault type from sensor summaries; the user's train step steps an ExponentialLR scheduler
(gamma 0.8, meant per epoch) after every batch, so the learning rate is gone within an epoch."""

import numpy as np
import torch
from torch import nn

FEATURES = 10


def readings(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    inputs = rng.normal(0.0, 1.0, (n, FEATURES)).astype(np.float32)
    score = inputs[:, 0] + 0.8 * inputs[:, 1] + 0.5 * np.sin(2 * inputs[:, 2]) - inputs[:, 3]
    labels = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    return torch.from_numpy(inputs), torch.from_numpy(labels)


class Stepper:
    """The user's step, holding the scheduler it builds on first use."""

    def __init__(self, per_batch: bool) -> None:
        self.per_batch = per_batch
        self.scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
        self.calls = 0

    def __call__(self, model, batch, loss_fn, optimizer) -> float:
        if self.scheduler is None or self.scheduler.optimizer is not optimizer:
            self.scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)
        inputs, targets = batch
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        self.calls += 1
        if self.per_batch or self.calls % 25 == 0:  # 25 batches make one epoch here
            self.scheduler.step()
        return loss.item()


def model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(FEATURES, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
    )


def experiment(per_batch: bool = True) -> dict:
    return {
        "model": model,
        "train": readings(800, seed=111),
        "valid": readings(200, seed=112),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.02, momentum=0.9),
        "batch_size": 32,
        "train_step": Stepper(per_batch),
    }


def experiment_fixed() -> dict:
    return experiment(per_batch=False)
