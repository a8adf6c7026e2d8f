"""Did the machine start in fault mode? A plain RNN reads 50 steps of a status trace."""

import torch
from torch import nn


def traces(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The label is the sign of a pulse in the first 5 steps; the rest is sensor noise."""
    generator = torch.Generator().manual_seed(seed)
    fault = torch.randint(0, 2, (n,), generator=generator)
    x = torch.randn(n, 50, 2, generator=generator) * 0.5
    x[:, :5, 0] += (fault.float() * 2 - 1).unsqueeze(1)
    return x, fault


class StartupRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_size=2, hidden_size=32, num_layers=2, batch_first=True)
        self.out = nn.Linear(32, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sequence, _ = self.rnn(x)
        return self.out(sequence[:, -1])


def experiment() -> dict:
    return {
        "model": StartupRNN,
        "train": traces(1000, seed=91),
        "valid": traces(300, seed=92),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }
