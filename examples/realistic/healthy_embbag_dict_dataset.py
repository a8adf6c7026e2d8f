"""A healthy topic classifier: an EmbeddingBag over padded token ids (id 0 pads), from a custom
Dataset that returns dicts, with the user's own train step."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

VOCAB, LENGTH, TOPICS = 400, 18, 4


class Tickets(Dataset):
    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.topics = rng.integers(0, TOPICS, n)
        self.tokens = np.zeros((n, LENGTH), dtype=np.int64)
        for i, topic in enumerate(self.topics):
            length = rng.integers(6, LENGTH + 1)
            words = rng.integers(100, VOCAB, length)
            keys = rng.choice(length, size=3, replace=False)
            words[keys] = 1 + topic * 20 + rng.integers(0, 20, 3)
            self.tokens[i, :length] = words
        # tickets filed under the wrong topic by the agents: about 6%
        relabelled = rng.random(n) < 0.06
        self.topics[relabelled] = rng.integers(0, TOPICS, int(relabelled.sum()))

    def __len__(self) -> int:
        return len(self.topics)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {
            "input_ids": torch.from_numpy(self.tokens[index]),
            "label": torch.tensor(self.topics[index]),
        }


class TopicBag(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(VOCAB, 24, mode="mean", padding_idx=0)
        self.head = nn.Linear(24, TOPICS)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.bag(input_ids))


def train_step(model, batch, loss_fn, optimizer) -> float:
    optimizer.zero_grad()
    loss = loss_fn(model(batch["input_ids"]), batch["label"])
    loss.backward()
    optimizer.step()
    return loss.item()


def experiment() -> dict:
    return {
        "model": TopicBag,
        "train": Tickets(900, seed=71),
        "valid": Tickets(250, seed=72),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "batch_size": 32,
        "train_step": train_step,
    }
