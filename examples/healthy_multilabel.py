"""A healthy multi-label tagger: several tags per row, one logit per tag."""

import torch
from torch import nn


def tagged_rows(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    topics = torch.randn(20, 5, generator=torch.Generator().manual_seed(0))
    features = torch.randn(n, 20, generator=generator)
    scores = features @ topics / 4 + 0.3 * torch.randn(n, 5, generator=generator)
    return features, (scores > 0.3).float()


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5)),
        "train": tagged_rows(1200, seed=1),
        "valid": tagged_rows(300, seed=2),
        "loss": nn.BCEWithLogitsLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "task": "multilabel",
        "batch_size": 32,
    }
