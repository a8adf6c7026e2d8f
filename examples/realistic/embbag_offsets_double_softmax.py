"""Headline topic classifier in the style of the PyTorch text tutorial: an EmbeddingBag fed a
flat token tensor with offsets from the DataLoader's collate_fn, and the user's own loop. The
model returns softmax probabilities, and CrossEntropyLoss applies its own softmax on top."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

VOCAB, TOPICS = 600, 4


class Headlines(Dataset):
    """Headlines of 4 to 14 tokens; three of them come from the topic's own words."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.topics = rng.integers(0, TOPICS, n)
        self.texts = []
        for topic in self.topics:
            words = rng.integers(120, VOCAB, rng.integers(4, 15))
            keys = rng.choice(len(words), size=3, replace=False)
            words[keys] = 1 + topic * 30 + rng.integers(0, 30, 3)
            self.texts.append(words)
        # headlines filed under the wrong desk by the editors: about 8%
        refiled = rng.random(n) < 0.08
        self.topics[refiled] = rng.integers(0, TOPICS, int(refiled.sum()))

    def __len__(self) -> int:
        return len(self.topics)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(self.texts[index]), int(self.topics[index])


def collate_batch(items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, ...]:
    texts, labels = zip(*items)
    lengths = torch.tensor([len(text) for text in texts])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return torch.cat(texts), offsets, torch.tensor(labels)


class TopicClassifier(nn.Module):
    def __init__(self, probabilities: bool) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(VOCAB, 32, mode="mean")
        self.fc = nn.Linear(32, TOPICS)
        self.probabilities = probabilities

    def forward(self, text: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        scores = self.fc(self.embedding(text, offsets))
        return torch.softmax(scores, dim=1) if self.probabilities else scores


def train_step(model, batch, criterion, optimizer) -> float:
    text, offsets, label = batch
    optimizer.zero_grad()
    loss = criterion(model(text, offsets), label)
    loss.backward()
    optimizer.step()
    return loss.item()


def loader(n: int, seed: int, shuffle: bool) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        Headlines(n, seed),
        batch_size=32,
        shuffle=shuffle,
        collate_fn=collate_batch,
        generator=generator,
    )


def experiment(probabilities: bool = True) -> dict:
    return {
        "model": lambda: TopicClassifier(probabilities),
        "train": loader(1000, seed=41, shuffle=True),
        "valid": loader(300, seed=42, shuffle=False),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "train_step": train_step,
    }


def experiment_fixed() -> dict:
    return experiment(probabilities=False)
