"""Our lr_range against torch-lr-finder on the same models, data and sweep, in one run.

    .venv/bin/pip install -c constraints.txt matplotlib tqdm
    .venv/bin/pip install -c constraints.txt --no-deps torch-lr-finder
    .venv/bin/python benchmarks/lr_range.py

Both sweep 1e-7 to 10 in 100 steps from the same fresh model with the same optimizer settings,
one torch thread each, each with its own defaults for smoothing (both an exponential average of
0.05) and stopping (ours at 4x the best average, theirs at 5x). torch-lr-finder computes its
suggestion (steepest gradient of its average, skipping 10 points at the start and 5 at the end)
inside ``plot()``; we call ``plot()`` on a headless backend after the timing stops.

1. As a user runs each: ours through the probe, theirs on a shuffled DataLoader. Wall times and
   their ratio (goal: ours / theirs <= 1.0), both suggestions.
2. The same batches for both, in DATA_ORDERS shuffles: the raw losses are then identical step
   by step, so the suggestions differ by their rules alone. Per case, the median of each over
   the shuffles, how far each spreads, and how often theirs lies outside the stretch where the
   loss falls (goal: ours within 3x of theirs where theirs is in it).
3. A noiseless synthetic curve with a known steepest descent, through both rules (theirs by its
   own ``plot()`` on the average ``range_test`` would have kept): the lag of the exponential
   average moves the steepest step towards the lowest point.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch_lr_finder import LRFinder
from torch_lr_finder.lr_finder import TrainDataLoaderIter

from probes.model.common import batches, seed_everything
from probes.model.lr_range import SMOOTHING, Fall, Sweep, find_fall, run_sweep
from probes.registry import execute
from probes.target import Target

matplotlib.use("Agg")
REPEATS = 3
DATA_ORDERS = 5


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


def _target(case: Case) -> Target:
    return Target.from_experiment(
        {
            "model": case.model,
            "train": case.data,
            "loss": case.loss,
            "optimizer": case.optimizer,
            "batch_size": case.batch_size,
        }
    )


def ours(case: Case) -> tuple[float, float | None]:
    target = _target(case)
    started = time.perf_counter()
    result = execute("lr_range", target)
    seconds = time.perf_counter() - started
    suggestion = result.values.get("suggested_lr")
    return seconds, float(suggestion) if isinstance(suggestion, float) else None


def theirs(case: Case) -> tuple[float, tuple[float | None, str]]:
    seed_everything()
    loader = DataLoader(TensorDataset(*case.data), batch_size=case.batch_size, shuffle=True)
    started = time.perf_counter()
    finder = _their_range_test(case, loader)
    seconds = time.perf_counter() - started
    suggestion = _their_suggestion(finder)
    return seconds, (suggestion, _past_its_lowest(suggestion, finder.history["loss"]))


class SameBatches(TrainDataLoaderIter):  # type: ignore[misc]
    """Our probe's batch stream, handed to torch-lr-finder."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __next__(self) -> Any:
        return next(self.stream)


def _their_range_test(case: Case, loader: Any) -> Any:
    model = case.model()
    optimizer = case.optimizer(model.parameters())
    finder = LRFinder(model, optimizer, case.loss)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader, start_lr=1e-7, end_lr=10, num_iter=100, smooth_f=SMOOTHING)
    return finder


def _their_suggestion(finder: Any) -> float | None:
    with contextlib.redirect_stdout(io.StringIO()):
        _, suggestion = finder.plot(skip_start=10, skip_end=5, suggest_lr=True)
    matplotlib.pyplot.close("all")
    return float(suggestion) if suggestion is not None else None


@dataclass
class Order:
    """One shuffle of the data through both rules."""

    sweep: Sweep
    fall: Fall | None
    theirs: float | None
    their_curve: list[float]


def same_batches(case: Case, seed: int) -> Order:
    target = _target(case)
    seed_everything()
    model = case.model()
    optimizer = case.optimizer(model.parameters())
    stream = batches(target, case.batch_size, torch.device("cpu"), seed=seed)
    sweep = run_sweep(model, optimizer, case.loss, stream)  # type: ignore[arg-type]
    seed_everything()
    stream = batches(target, case.batch_size, torch.device("cpu"), seed=seed)
    finder = _their_range_test(case, SameBatches(stream))
    their_curve = [float(value) for value in finder.history["loss"]]
    return Order(sweep, find_fall(sweep.lrs, sweep.losses), _their_suggestion(finder), their_curve)


def misplaced(order: Order) -> str:
    """Where torch-lr-finder's suggestion lies if outside the stretch where the loss falls:
    past the lowest point of its own average (after its own skip of 10 points), or before our
    robust curve starts falling."""
    past = _past_its_lowest(order.theirs, order.their_curve)
    if past or order.fall is None or order.theirs is None:
        return past
    return "before the fall" if order.theirs < order.fall.begins / 1.01 else ""


def _past_its_lowest(suggestion: float | None, curve: list[float]) -> str:
    if suggestion is None or len(curve) <= 10:
        return ""
    lowest = min(range(10, len(curve)), key=curve.__getitem__)
    return "past its lowest point" if suggestion > _rate(lowest) * 1.01 else ""


def best_of(run: Callable[[Case], tuple[float, Any]], case: Case) -> tuple[float, Any]:
    results = [run(case) for _ in range(REPEATS)]
    return min(seconds for seconds, _ in results), results[0][1]


def main() -> None:
    torch.set_num_threads(1)
    as_a_user()
    orders = same_batch_orders()
    key_points(orders)
    synthetic()


def as_a_user() -> None:
    print("1. as a user runs each (theirs on its own shuffled DataLoader)")
    header = f"{'case':32} {'ours s':>7} {'theirs s':>8} {'ratio':>6}"
    print(header + f" {'ours lr':>9} {'theirs lr':>9} {'x':>5}")
    ratios = []
    for case in CASES:
        our_seconds, our_lr = best_of(ours, case)
        their_seconds, (their_lr, note) = best_of(theirs, case)
        ratio = our_seconds / their_seconds
        ratios.append(ratio)
        print(
            f"{case.name:32} {our_seconds:7.3f} {their_seconds:8.3f} {ratio:6.2f} "
            f"{_lr(our_lr):>9} {_lr(their_lr):>9} {_apart(our_lr, their_lr):5.1f}"
            + (f"  <- theirs {note}" if note else "")
        )
    print(f"worst wall-time ratio (goal <= 1.0): {max(ratios):.2f}")


def same_batch_orders() -> dict[str, list[Order]]:
    print(f"\n2. the same batches for both, {DATA_ORDERS} shuffles (identical raw losses)")
    print(
        f"{'case':32} {'ours med':>9} {'spread':>7} {'theirs med':>10} {'spread':>7} "
        f"{'misplaced':>9} {'in-fall med':>11} {'x':>5}"
    )
    every: dict[str, list[Order]] = {}
    for case in CASES:
        orders = [same_batches(case, seed) for seed in range(DATA_ORDERS)]
        every[case.name] = orders
        mine = [o.fall.steepest for o in orders if o.fall]
        their = [o.theirs for o in orders if o.theirs]
        placed = [o.theirs for o in orders if o.theirs and not misplaced(o)]
        mine_median = statistics.median(mine) if mine else None
        placed_median = statistics.median(placed) if placed else None
        print(
            f"{case.name:32} {_lr(mine_median):>9} {_spread(mine):7.1f} "
            f"{_lr(statistics.median(their) if their else None):>10} {_spread(their):7.1f} "
            f"{len(orders) - len(placed):>5} of {len(orders)} {_lr(placed_median):>11} "
            f"{_apart(mine_median, placed_median):5.1f}"
        )
    return every


def key_points(every: dict[str, list[Order]]) -> None:
    print("\n   each shuffle: where the loss starts falling, falls fastest, is lowest (ours, on")
    print("   the robust curve), where each run stopped, and torch-lr-finder's pick on its own")
    print("   average (lr: average there; the lowest point of its average past its skip of 10)")
    for name, orders in every.items():
        print(f"   {name}")
        for seed, order in enumerate(orders):
            print(f"     shuffle {seed}: {_key_points(order)}")


def _key_points(order: Order) -> str:
    sweep, fall, curve = order.sweep, order.fall, order.their_curve
    ours_text = (
        f"falls {_lr(fall.begins)} steepest {_lr(fall.steepest)} lowest {_lr(fall.lowest)}"
        if fall
        else "no fall"
    )
    lowest = min(range(min(10, len(curve) - 1), len(curve)), key=curve.__getitem__)
    pick = _index_of(order.theirs) if order.theirs else None
    their_text = (
        f"theirs {_lr(order.theirs)}: {curve[pick]:.3f} (lowest {_lr(_rate(lowest))}: "
        f"{curve[lowest]:.3f})"
        if pick is not None and pick < len(curve)
        else "theirs none"
    )
    note = misplaced(order)
    return (
        f"{ours_text}; stops {_lr(sweep.lrs[-1])} / {_lr(_rate(len(curve) - 1))}; {their_text}"
        + (f"  <- {note}" if note else "")
    )


def synthetic() -> None:
    print("\n3. a noiseless curve: flat at 2, falls by 1.5 fastest at 1e-2, blows up past 0.3")
    lrs = [_rate(i) for i in range(100)]
    losses = []
    for lr in lrs:
        position = math.log10(lr)
        value = 2.0 - 1.5 / (1 + math.exp(-3 * (position + 2)))
        losses.append(value + (3 * (position + 0.5) ** 2 if position > -0.5 else 0.0))
    fall = find_fall(lrs, losses)
    average = [losses[0]]
    for value in losses[1:]:  # range_test's own smoothing
        average.append(SMOOTHING * value + (1 - SMOOTHING) * average[-1])
    kept = _kept_until_stop(average)
    model = nn.Linear(1, 1)
    finder = LRFinder(model, torch.optim.SGD(model.parameters()), nn.MSELoss())
    finder.history = {"lr": lrs[:kept], "loss": average[:kept]}
    their_lr = _their_suggestion(finder)
    print(f"   ours {_lr(fall.steepest if fall else None)}, theirs {_lr(their_lr)}")


def _kept_until_stop(average: list[float]) -> int:
    """How many points range_test keeps: it stops once the average passes 5x its best."""
    best = math.inf
    for index, value in enumerate(average):
        best = min(best, value)
        if value > 5 * best:
            return index + 1
    return len(average)


def _rate(index: int) -> float:
    return 1e-7 * (10 / 1e-7) ** (index / 99)


def _index_of(lr: float) -> int:
    return round(99 * math.log(lr / 1e-7) / math.log(10 / 1e-7))


def _lr(lr: float | None) -> str:
    return f"{lr:.2g}" if lr else "none"


def _apart(a: float | None, b: float | None) -> float:
    return max(a, b) / min(a, b) if a and b else float("nan")


def _spread(values: list[float]) -> float:
    return max(values) / min(values) if values else float("nan")


if __name__ == "__main__":
    main()
