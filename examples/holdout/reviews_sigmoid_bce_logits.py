"""Review sentiment from token ids: an embedding bag and a linear head, custom Dataset."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

VOCAB = 500
LENGTH = 24


class Reviews(Dataset):
    """Token ids padded to LENGTH; ids 1-40 lean positive, 41-80 lean negative, the rest filler."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        tokens = rng.integers(81, VOCAB, (n, LENGTH))
        for i, positive in enumerate(self.labels):
            lo, hi = (1, 41) if positive else (41, 81)
            slots = rng.choice(LENGTH, size=rng.integers(2, 6), replace=False)
            tokens[i, slots] = rng.integers(lo, hi, len(slots))
        self.tokens = torch.tensor(tokens)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.tokens[index], torch.tensor([float(self.labels[index])])


class SentimentNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(VOCAB, 16, mode="mean")
        self.head = nn.Linear(16, 1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.head(self.embed(tokens)))


def experiment() -> dict:
    return {
        "model": SentimentNet,
        "train": Reviews(1500, seed=5),
        "valid": Reviews(400, seed=6),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 64,
        "task": "binary",
    }
