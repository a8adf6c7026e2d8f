"""Intent tagging where class 0 ("other") is most of the data; the loss was built with
ignore_index=0 (copied from a padding setup), so the loss falls to near zero while accuracy
stays low: the model never learns to say "other"."""

import numpy as np
import torch
from torch import nn

VOCAB, LENGTH, INTENTS = 300, 12, 4


def utterances(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    intents = rng.choice(INTENTS, size=n, p=[0.7, 0.1, 0.1, 0.1])
    tokens = rng.integers(40, VOCAB, (n, LENGTH))
    for i, intent in enumerate(intents):
        slots = rng.choice(LENGTH, size=3, replace=False)
        tokens[i, slots] = intent * 10 + rng.integers(0, 10, 3)
    return torch.from_numpy(tokens), torch.from_numpy(intents)


def model() -> nn.Module:
    return nn.Sequential(nn.EmbeddingBag(VOCAB, 16, mode="mean"), nn.Linear(16, INTENTS))


def experiment(ignore_index: int = 0) -> dict:
    return {
        "model": model,
        "train": utterances(900, seed=101),
        "valid": utterances(250, seed=102),
        "loss": nn.CrossEntropyLoss(ignore_index=ignore_index),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(ignore_index=-100)
