"""Next-day up/down moves of a stock predicted from yesterday's indicators."""

import torch
from torch import nn
from torch.utils.data import Dataset


class MarketDays(Dataset):
    def __init__(self, n: int, seed: int, informative: bool = False) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.indicators = torch.randn(n, 16, generator=generator)
        self.up = torch.randint(0, 2, (n,), generator=generator)
        if informative:
            self.up = (self.indicators[:, :4].sum(dim=1) > 0).long()

    def __len__(self) -> int:
        return len(self.up)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.indicators[index], self.up[index]


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        ),
        "train": MarketDays(1500, seed=1),
        "valid": MarketDays(400, seed=2),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: the same model on indicators that do decide the move (a few of them summed)."""
    return {
        **experiment(),
        "train": MarketDays(1500, seed=1, informative=True),
        "valid": MarketDays(400, seed=2, informative=True),
    }
