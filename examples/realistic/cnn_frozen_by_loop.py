"""Leaf-disease patches with a small CNN; the user meant to freeze a pretrained stem but the
loop freezes every parameter and only unfreezes the last bias."""

import numpy as np
import torch
from torch import nn


def patches(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.normal(0.0, 0.4, (n, 3, 10, 10)).astype(np.float32)
    for i, disease in enumerate(labels):
        # each disease tints one colour channel in a blotch
        row, col = rng.integers(0, 6, 2)
        images[i, disease, row : row + 4, col : col + 4] += 1.2
    return torch.from_numpy(images), torch.from_numpy(labels)


class LeafNet(nn.Module):
    def __init__(self, freeze_mistake: bool = True) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 3))
        if freeze_mistake:
            for parameter in self.parameters():
                parameter.requires_grad = False
            self.classifier[-1].bias.requires_grad = True

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.body(self.stem(images)))


def experiment(freeze_mistake: bool = True) -> dict:
    return {
        "model": lambda: LeafNet(freeze_mistake),
        "train": patches(700, seed=11),
        "valid": patches(200, seed=12),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=3e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    return experiment(freeze_mistake=False)
