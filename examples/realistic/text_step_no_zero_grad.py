"""Spam filter over token ids with an embedding and mean pooling; the user's train step calls
backward and step but never clears the gradients."""

import numpy as np
import torch
from torch import nn

VOCAB, LENGTH = 500, 20


def messages(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    spam = rng.integers(0, 2, n)
    tokens = rng.integers(50, VOCAB, (n, LENGTH))
    for i in np.flatnonzero(spam):
        slots = rng.choice(LENGTH, size=3, replace=False)
        tokens[i, slots] = rng.integers(1, 50, 3)
    return torch.from_numpy(tokens), torch.from_numpy(spam.astype(np.float32))


class SpamNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16)
        self.head = nn.Linear(16, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(tokens).mean(dim=1)).squeeze(-1)


def step_without_zero_grad(model, batch, loss_fn, optimizer) -> float:
    tokens, spam = batch
    loss = loss_fn(model(tokens), spam)
    loss.backward()
    optimizer.step()
    return loss.item()


def step(model, batch, loss_fn, optimizer) -> float:
    optimizer.zero_grad()
    return step_without_zero_grad(model, batch, loss_fn, optimizer)


def experiment(train_step=step_without_zero_grad) -> dict:
    return {
        "model": SpamNet,
        "train": messages(900, seed=91),
        "valid": messages(250, seed=92),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.5, momentum=0.9),
        "batch_size": 32,
        "train_step": train_step,
        "task": "binary",
    }


def experiment_fixed() -> dict:
    return experiment(train_step=step)
