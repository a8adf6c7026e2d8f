"""Credit-line approval from six applicant scores: a deep tanh MLP with a hand-rolled init."""

import numpy as np
import torch
from torch import nn


class ApprovalNet(nn.Module):
    def __init__(self, width: int = 256, depth: int = 8) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(6, width), nn.Tanh()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.Tanh()]
        layers.append(nn.Linear(width, 2))
        self.net = nn.Sequential(*layers)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                # "weights should be standard normal", as in the textbook figure
                nn.init.normal_(module.weight, mean=0.0, std=1.0)
                nn.init.normal_(module.bias, mean=0.0, std=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def applicants(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(0, 1, (n, 6)).astype(np.float32)
    risk = scores[:, 0] - 0.8 * scores[:, 1] + 0.6 * scores[:, 2] * scores[:, 3]
    approved = (risk + rng.normal(0, 0.3, n) > 0).astype(np.int64)
    return scores, approved


def experiment() -> dict:
    torch.manual_seed(0)
    return {
        "model": ApprovalNet,
        "train": applicants(1500, seed=111),
        "valid": applicants(400, seed=112),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        "batch_size": 32,
    }
