"""lr_range: the learning-rate range test, with a suggestion that noise cannot fool easily.

An exponential sweep from START_LR to END_LR with the user's optimizer class and settings (only
the learning rate changes), on a fresh model. The curve is smoothed and the sweep stops once the
smoothed loss passes STOP_FACTOR times its best. The suggestion is fastai's "valley": the middle
of the longest stretch where the smoothed loss keeps falling, which a single early spike or a
noisy step cannot hijack the way the steepest-gradient rule can.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.model.common import (
    Reporter,
    batches,
    fresh_model,
    is_adaptive,
    learning_rate,
    make_optimizer,
    standard_step,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult, Series
from probes.target import Target, format_lr

PROBE_ID = "lr_range"
START_LR = 1e-7
END_LR = 10.0
STEPS = 100
SMOOTHING = 0.05
STOP_FACTOR = 4.0
#: Points at the start of the sweep that the suggestion ignores (the smoothing warms up there).
SKIP_START = 5
#: Above this factor of the suggestion the user's learning rate is "much higher"; below 1/10,
#: "much lower".
FACTOR = 10.0
#: The share of its whole fall after which the loss counts as falling.
FALL_STARTS = 0.05


@dataclass(frozen=True)
class Sweep:
    """The learning rates tried and the losses seen, raw and smoothed."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stopped_early: bool


def lr_range(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    loss = training_loss(target)
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    user_lr = learning_rate(optimizer)
    stream = batches(target, target.batch_size, device)
    sweep = run_sweep(model, optimizer, loss, stream, report)
    suggestion = suggest(sweep.lrs, sweep.smoothed)
    report(1.0, "done")
    return _result(sweep, suggestion, user_lr, optimizer)


def run_sweep(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss: object,
    stream: Iterator[tuple[Tensor, Tensor]],
    report: Reporter | None = None,
    start_lr: float = START_LR,
    end_lr: float = END_LR,
    steps: int = STEPS,
) -> Sweep:
    """Train one step per learning rate, from ``start_lr`` up to ``end_lr`` exponentially."""
    model.train()
    ratio = (end_lr / start_lr) ** (1 / max(steps - 1, 1))
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average = 0.0
    best = math.inf
    for step in range(steps):
        lr = start_lr * ratio**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = next(stream)
        value = standard_step(model, optimizer, loss, inputs, targets)  # type: ignore[arg-type]
        if not math.isfinite(value):
            return Sweep(lrs, losses, smoothed, stopped_early=True)
        average = SMOOTHING * value + (1 - SMOOTHING) * average
        current = average / (1 - (1 - SMOOTHING) ** (step + 1))
        lrs.append(lr)
        losses.append(value)
        smoothed.append(current)
        best = min(best, current)
        if report is not None and step % 10 == 0:
            report(step / steps, f"learning rate {format_lr(lr)}: loss {value:.4g}")
        if step > SKIP_START and current > STOP_FACTOR * best:
            return Sweep(lrs, losses, smoothed, stopped_early=True)
    return Sweep(lrs, losses, smoothed, stopped_early=False)


def suggest(lrs: Sequence[float], smoothed: Sequence[float]) -> float | None:
    """The middle of the longest falling stretch of the smoothed curve ("valley"), or None."""
    start = min(SKIP_START, max(len(smoothed) - 2, 0))
    losses = list(smoothed[start:])
    rates = list(lrs[start:])
    if len(losses) < 3:
        return None
    runs = [1] * len(losses)
    for i in range(1, len(losses)):
        for j in range(i):
            if losses[i] < losses[j] and runs[i] < runs[j] + 1:
                runs[i] = runs[j] + 1
    end = max(range(len(runs)), key=lambda i: (runs[i], -i))
    begin = end - runs[end] + 1
    drop = losses[begin] - losses[end]
    if runs[end] < 3 or drop <= 0.02 * abs(losses[begin]):
        return None
    # a smooth curve keeps falling by a hair from the very start: begin where the fall shows
    threshold = losses[begin] - FALL_STARTS * drop
    begin = next(i for i in range(begin, end + 1) if losses[i] <= threshold)
    third = (end - begin) / 3
    return rates[begin + int(third) + int(third / 2)]


def learning_rate_bucket(lr: float, adaptive: bool) -> str:
    """The user's learning rate in words, for the optimizer family it belongs to."""
    scale = 1.0 if adaptive else 10.0
    if lr >= 0.1 * scale:
        return "very_high"
    if lr >= 0.01 * scale:
        return "high"
    if lr > 1e-6 and lr >= 1e-4 * scale:
        return "normal"
    if lr > 1e-6:
        return "low"
    return "very_low"


def compare(user_lr: float, suggestion: float, sweep: Sweep | None = None) -> str:
    """much_higher, close or much_lower than the suggestion, by more than FACTOR.

    The valley's middle is one good rate among several, and a sweep gives each rate one step
    only, so a rate counts as much higher only if it also lies past the lowest point of the
    curve, and as much lower only if it is also FACTOR below where the loss starts to fall.
    """
    falls_from, lowest_at = falling_stretch(sweep) if sweep else (suggestion, suggestion)
    if user_lr > FACTOR * suggestion and user_lr > lowest_at:
        return "much_higher"
    if user_lr < min(suggestion, falls_from) / FACTOR:
        return "much_lower"
    return "close"


def falling_stretch(sweep: Sweep) -> tuple[float, float]:
    """The learning rate from which the smoothed loss keeps below its starting level (less
    FALL_STARTS of the whole fall), and the one where it is lowest."""
    start = min(SKIP_START, len(sweep.smoothed) - 1)
    curve = sweep.smoothed[start:]
    lowest = min(range(len(curve)), key=curve.__getitem__)
    before = sorted(curve[: lowest + 1])
    level = before[len(before) // 2]
    threshold = level - FALL_STARTS * (level - curve[lowest])
    still_level = [i for i in range(lowest + 1) if curve[i] >= threshold]
    begins = still_level[-1] if still_level else 0
    return sweep.lrs[start + begins], sweep.lrs[start + lowest]


# --- the result ---------------------------------------------------------------------------
def _result(
    sweep: Sweep, suggestion: float | None, user_lr: float | None, optimizer: torch.optim.Optimizer
) -> ProbeResult:
    facts: dict[str, str] = {}
    if user_lr is not None and user_lr > 0:
        facts["learning_rate"] = learning_rate_bucket(user_lr, is_adaptive(optimizer))
    values: dict[str, float | int | str | bool | None] = {
        "suggested_lr": suggestion,
        "user_lr": user_lr,
        "optimizer": type(optimizer).__name__,
        "steps": len(sweep.lrs),
        "min_loss": min(sweep.smoothed) if sweep.smoothed else None,
    }
    series = [
        Series(
            name="smoothed loss",
            x_label="learning rate",
            y_label="loss",
            x=sweep.lrs,
            y=sweep.smoothed,
            log_x=True,
        ),
        Series(
            name="loss",
            x_label="learning rate",
            y_label="loss",
            x=sweep.lrs,
            y=sweep.losses,
            log_x=True,
        ),
    ]
    if len(sweep.lrs) < 3:
        return ProbeResult(
            id=PROBE_ID,
            status="warn",
            facts=facts,
            values=values,
            series=series,
            finding="The loss was NaN or inf from the first steps of the sweep, so there is no "
            "learning rate to suggest.",
        )
    if suggestion is None:
        return ProbeResult(
            id=PROBE_ID,
            status="warn",
            facts=facts,
            values=values,
            series=series,
            finding=f"The loss fell nowhere in a sweep from {format_lr(START_LR)} to "
            f"{format_lr(END_LR)}, so there is no learning rate to suggest: the problem is "
            "not the learning rate alone.",
        )
    if user_lr is None or user_lr <= 0:
        return ProbeResult(
            id=PROBE_ID,
            status="pass",
            facts=facts,
            values=values,
            series=series,
            finding=f"The range test suggests a learning rate of about {format_lr(suggestion)}.",
        )
    verdict = compare(user_lr, suggestion, sweep)
    facts["lr_vs_suggested"] = verdict
    return ProbeResult(
        id=PROBE_ID,
        status="pass" if verdict == "close" else "warn",
        facts=facts,
        values=values,
        series=series,
        finding=_finding(verdict, user_lr, suggestion),
    )


def _finding(verdict: str, user_lr: float, suggestion: float) -> str:
    mine, theirs = format_lr(user_lr), format_lr(suggestion)
    if verdict == "close":
        return f"Your learning rate {mine} is close to the range test's suggestion of {theirs}."
    factor = user_lr / suggestion if verdict == "much_higher" else suggestion / user_lr
    side = "above" if verdict == "much_higher" else "below"
    return (
        f"Your learning rate {mine} is {factor:.0f} times {side} the range test's suggestion "
        f"of {theirs}."
    )
