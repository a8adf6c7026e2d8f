"""Our lr_range against torch-lr-finder on the same models, data and sweep, in one run.

    .venv/bin/pip install -c constraints.txt matplotlib tqdm
    .venv/bin/pip install -c constraints.txt --no-deps torch-lr-finder
    .venv/bin/python benchmarks/lr_range.py

Both sweep 1e-7 to 10 in 100 steps with the same fresh model, optimizer settings and batches,
one torch thread each. Prints, per case, both wall times and their ratio (goal: ours / theirs
<= 1.0) and both suggestions (goal: within 3x on healthy models). torch-lr-finder computes its
suggestion (steepest gradient, skipping 10 points at the start and 5 at the end) inside
``plot()``; we call ``plot()`` on a headless backend after the timing stops.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from probes.model.common import seed_everything
from probes.registry import execute
from probes.target import Target

matplotlib.use("Agg")
REPEATS = 3


@dataclass
class Case:
    name: str
    model: Callable[[], nn.Module]
    optimizer: Callable[[Any], torch.optim.Optimizer]
    loss: nn.Module
    data: tuple[torch.Tensor, torch.Tensor]
    batch_size: int = 32


def _classification(rows: int, features: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(rows, features, generator=generator)
    y = (x @ torch.randn(features, classes, generator=generator)).argmax(dim=1)
    return x, y


def _regression(rows: int, features: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(rows, features, generator=generator)
    y = torch.sin(x[:, :1] * 2) + x[:, 1:2] * 0.5 + 0.1 * torch.randn(rows, 1, generator=generator)
    return x, y


def _mlp(sizes: list[int]) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        layers: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])

    return build


CASES = [
    Case(
        "mlp classifier, Adam",
        _mlp([20, 64, 64, 5]),
        lambda p: torch.optim.Adam(p, lr=1e-3),
        nn.CrossEntropyLoss(),
        _classification(4000, 20, 5),
    ),
    Case(
        "mlp regression, SGD momentum",
        _mlp([8, 64, 1]),
        lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9),
        nn.MSELoss(),
        _regression(4000, 8),
    ),
    Case(
        "100k-parameter mlp, AdamW",
        _mlp([64, 256, 256, 64, 10]),
        lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=1e-2),
        nn.CrossEntropyLoss(),
        _classification(8000, 64, 10),
        batch_size=64,
    ),
    Case(
        "noisy: batch of 8, Adam",
        _mlp([20, 64, 5]),
        lambda p: torch.optim.Adam(p, lr=1e-3),
        nn.CrossEntropyLoss(),
        _classification(2000, 20, 5),
        batch_size=8,
    ),
]


def ours(case: Case) -> tuple[float, float | None]:
    target = Target.from_experiment(
        {
            "model": case.model,
            "train": case.data,
            "loss": case.loss,
            "optimizer": case.optimizer,
            "batch_size": case.batch_size,
        }
    )
    started = time.perf_counter()
    result = execute("lr_range", target)
    seconds = time.perf_counter() - started
    suggestion = result.values.get("suggested_lr")
    return seconds, float(suggestion) if isinstance(suggestion, float) else None


def theirs(case: Case) -> tuple[float, float | None]:
    from torch_lr_finder import LRFinder

    seed_everything()
    loader = DataLoader(TensorDataset(*case.data), batch_size=case.batch_size, shuffle=True)
    started = time.perf_counter()
    model = case.model()
    optimizer = case.optimizer(model.parameters())
    finder = LRFinder(model, optimizer, case.loss)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader, start_lr=1e-7, end_lr=10, num_iter=100)
    seconds = time.perf_counter() - started
    with contextlib.redirect_stdout(io.StringIO()):
        _, suggestion = finder.plot(skip_start=10, skip_end=5, suggest_lr=True)
    finder.reset()
    return seconds, suggestion


def best_of(run: Callable[[Case], tuple[float, float | None]], case: Case) -> tuple[float, Any]:
    results = [run(case) for _ in range(REPEATS)]
    return min(seconds for seconds, _ in results), results[0][1]


def main() -> None:
    torch.set_num_threads(1)
    header = f"{'case':32} {'ours s':>7} {'theirs s':>8} {'ratio':>6}"
    print(header + f" {'ours lr':>9} {'theirs lr':>9} {'x':>5}")
    ratios = []
    for case in CASES:
        our_seconds, our_lr = best_of(ours, case)
        their_seconds, their_lr = best_of(theirs, case)
        ratio = our_seconds / their_seconds
        ratios.append(ratio)
        apart = (
            max(our_lr, their_lr) / min(our_lr, their_lr) if our_lr and their_lr else float("nan")
        )
        print(
            f"{case.name:32} {our_seconds:7.3f} {their_seconds:8.3f} {ratio:6.2f} "
            f"{our_lr or float('nan'):9.2e} {their_lr or float('nan'):9.2e} {apart:5.1f}"
        )
    print(f"worst wall-time ratio (goal <= 1.0): {max(ratios):.2f}")


if __name__ == "__main__":
    main()
