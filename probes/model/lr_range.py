"""lr_range: the learning-rate range test, with a suggestion that noise cannot fool easily.

An exponential sweep from START_LR to END_LR with the user's optimizer class and settings (only
the learning rate changes), on a fresh model; it stops once an exponential average of the loss
passes STOP_FACTOR times its best, as torch-lr-finder, fastai and Lightning do.

The suggestion is the steepest descent, as in torch-lr-finder and Lightning, but of a curve
smoothed without lag (a running median, then a centred mean) and only between where the loss
starts falling and its lowest point. The median drops single-batch spikes; the restriction
keeps out the start-up of the average and the noise on the flat start (Lightning's "early
spike" reports) and the dips after the blow-up (where torch-lr-finder's steepest step often
lies); the centred mean keeps the fall where it happened, where the lagging exponential average
moves it up to the lowest point, at the edge of the blow-up.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.inputs import Inputs
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
from probes.verdict import Verdict

PROBE_ID = "lr_range"
START_LR = 1e-7
END_LR = 10.0
STEPS = 100
SMOOTHING = 0.05
STOP_FACTOR = 4.0
#: Points at the start of the sweep that the suggestion ignores (the smoothing starts up there).
SKIP_START = 5
#: Above this factor of the suggestion the user's learning rate is "much higher"; below 1/10,
#: "much lower".
FACTOR = 10.0
#: Where each learning-rate bucket starts, highest first, for adaptive optimizers (Adam and
#: kin); below the last, "low" ...
LR_BUCKETS = (("very_high", 0.1), ("high", 0.01), ("normal", 1e-4))
#: ... and at or below this, "very_low" whatever the optimizer.
LR_FLOOR = 1e-6
#: Plain SGD and its like take learning rates this many times those of adaptive optimizers.
SGD_SCALE = 10.0
#: The share of its whole fall after which the loss counts as falling.
FALL_STARTS = 0.05
#: The running median's width in points: it drops spikes of one or two batches.
MEDIAN_POINTS = 5
#: The centred running mean reaches this many decades of learning rate either side.
SMOOTH_DECADES = 0.3
#: A fall counts only if it is this share of the loss level ...
MIN_DROP = 0.02
#: ... and this many times the smoothed curve's own noise.
NOISE_DROPS = 3.0


@dataclass(frozen=True)
class Sweep:
    """The learning rates tried, the losses seen and the exponential average the stop watches."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stopped_early: bool


def lr_range(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    test = measure(target, report)
    report(1.0, "done")
    return _result(test, judge(test))


def measure(target: Target, report: Reporter) -> RangeTest:
    """Sweep the learning rate on a fresh model and find where the loss falls."""
    loss = training_loss(target)
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    user_lr = learning_rate(optimizer)
    stream = batches(target, target.batch_size, device)
    sweep = run_sweep(model, optimizer, loss, stream, report)
    return RangeTest(
        sweep=sweep,
        curve=robust_curve(sweep.lrs, sweep.losses) if sweep.losses else [],
        fall=find_fall(sweep.lrs, sweep.losses),
        user_lr=user_lr,
        optimizer=type(optimizer).__name__,
        adaptive=is_adaptive(optimizer),
    )


def run_sweep(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss: object,
    stream: Iterator[tuple[Inputs, Tensor]],
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


@dataclass(frozen=True)
class Fall:
    """Where the robustly smoothed loss falls, as learning rates."""

    begins: float
    steepest: float
    lowest: float


@dataclass(frozen=True)
class RangeTest:
    """What the range test measured: the sweep, its smoothed curve, the fall, the user's rate."""

    sweep: Sweep
    curve: list[float]
    """The losses smoothed without lag (``robust_curve``)."""
    fall: Fall | None
    user_lr: float | None
    """The learning rate the user's optimizer was built with, when it has one."""
    optimizer: str
    """The optimizer's class name."""
    adaptive: bool
    """Whether the optimizer scales its steps per parameter (Adam and kin)."""

    @property
    def suggestion(self) -> float | None:
        return self.fall.steepest if self.fall else None


def robust_curve(lrs: Sequence[float], losses: Sequence[float]) -> list[float]:
    """The raw losses smoothed without lag: a running median, then a centred running mean.

    The median drops one- and two-batch spikes that an exponential average would carry for
    dozens of steps; the centred mean keeps the fall where it happened, where an exponential
    average shifts it towards the blow-up.
    """
    reach = MEDIAN_POINTS // 2
    medians = [
        statistics.median(losses[max(i - reach, 0) : i + reach + 1]) for i in range(len(losses))
    ]
    half = _half_window(lrs)
    return [statistics.fmean(medians[max(i - half, 0) : i + half + 1]) for i in range(len(medians))]


def _half_window(lrs: Sequence[float]) -> int:
    """How many points either side the centred mean takes: SMOOTH_DECADES of the sweep."""
    decades = math.log10(lrs[-1] / lrs[0]) if len(lrs) > 1 and lrs[-1] > lrs[0] else 1.0
    return max(1, round(SMOOTH_DECADES * (len(lrs) - 1) / decades))


def find_fall(lrs: Sequence[float], losses: Sequence[float]) -> Fall | None:
    """The stretch from where the smoothed loss starts falling to its lowest point, and its
    steepest descent, or None where the loss falls nowhere beyond its noise."""
    if len(losses) < SKIP_START + 3:
        return None
    curve = robust_curve(lrs, losses)
    lowest = min(range(SKIP_START, len(curve)), key=curve.__getitem__)
    level = statistics.median(curve[SKIP_START : lowest + 1])
    drop = level - curve[lowest]
    if drop <= MIN_DROP * abs(level) or drop <= NOISE_DROPS * _noise(lrs, losses, curve):
        return None
    threshold = level - FALL_STARTS * drop
    begins = max(i for i in range(SKIP_START, lowest + 1) if curve[i] >= threshold)
    if lowest - begins < 2:
        return None
    logs = [math.log10(lr) for lr in lrs]

    def slope(i: int) -> float:
        return (curve[i + 1] - curve[i - 1]) / (logs[i + 1] - logs[i - 1])

    steepest = min(range(begins + 1, lowest), key=slope)
    return Fall(lrs[begins], lrs[steepest], lrs[lowest])


def _noise(lrs: Sequence[float], losses: Sequence[float], curve: Sequence[float]) -> float:
    """How far the smoothed curve may wander by chance: the raw scatter about it (a robust
    standard deviation) over the square root of the points each smoothed value averages."""
    scatter = 1.4826 * statistics.median(abs(a - b) for a, b in zip(losses, curve, strict=True))
    return scatter / math.sqrt(2 * _half_window(lrs) + 1)


def suggest(lrs: Sequence[float], losses: Sequence[float]) -> float | None:
    """The learning rate where the robustly smoothed loss falls fastest, between where it
    starts falling and its lowest point; None where it falls nowhere."""
    fall = find_fall(lrs, losses)
    return None if fall is None else fall.steepest


def learning_rate_bucket(lr: float, adaptive: bool) -> str:
    """The user's learning rate in words, for the optimizer family it belongs to."""
    if lr <= LR_FLOOR:
        return "very_low"
    scale = 1.0 if adaptive else SGD_SCALE
    for bucket, lowest in LR_BUCKETS:
        if lr >= lowest * scale:
            return bucket
    return "low"


def compare(user_lr: float, suggestion: float, fall: Fall | None = None) -> str:
    """much_higher, close or much_lower than the suggestion, by more than FACTOR.

    The steepest descent is one good rate among several, and a sweep gives each rate one step
    only, so a rate counts as much higher only if it also lies past the lowest point of the
    curve, and as much lower only if it is also FACTOR below where the loss starts to fall.
    """
    falls_from, lowest_at = (fall.begins, fall.lowest) if fall else (suggestion, suggestion)
    if user_lr > FACTOR * suggestion and user_lr > lowest_at:
        return "much_higher"
    if user_lr < min(suggestion, falls_from) / FACTOR:
        return "much_lower"
    return "close"


# --- judging and wording ------------------------------------------------------------------
#: The cases ``judge`` names: too few finite losses, no fall, no rate of the user's to compare,
#: or how the user's rate compares with the suggestion (``compare``).
NO_FINITE_LOSS, NO_FALL, NO_USER_LR = "no_finite_loss", "no_fall", "no_user_lr"
#: A sweep with fewer points than this blew up at once.
MIN_POINTS = 3


def judge(test: RangeTest) -> Verdict:
    facts: dict[str, str] = {}
    user_lr = test.user_lr
    if user_lr is not None and user_lr > 0:
        facts["learning_rate"] = learning_rate_bucket(user_lr, test.adaptive)
    if len(test.sweep.lrs) < MIN_POINTS:
        return Verdict("warn", facts, (NO_FINITE_LOSS,))
    if test.fall is None:
        return Verdict("warn", facts, (NO_FALL,))
    if user_lr is None or user_lr <= 0:
        return Verdict("pass", facts, (NO_USER_LR,))
    verdict = compare(user_lr, test.fall.steepest, test.fall)
    facts["lr_vs_suggested"] = verdict
    return Verdict("pass" if verdict == "close" else "warn", facts, (verdict,))


def word(test: RangeTest, verdict: Verdict) -> str:
    case = verdict.cases[0]
    if case == NO_FINITE_LOSS:
        return (
            "The loss was NaN or inf from the first steps of the sweep, so there is no "
            "learning rate to suggest."
        )
    if case == NO_FALL:
        return (
            f"The loss fell nowhere in a sweep from {format_lr(START_LR)} to "
            f"{format_lr(END_LR)}, so there is no learning rate to suggest: the problem is "
            "not the learning rate alone."
        )
    suggestion = test.suggestion or math.nan
    if case == NO_USER_LR:
        return f"The range test suggests a learning rate of about {format_lr(suggestion)}."
    user_lr = test.user_lr or math.nan
    mine, theirs = format_lr(user_lr), format_lr(suggestion)
    if case == "close":
        return f"Your learning rate {mine} is close to the range test's suggestion of {theirs}."
    factor = user_lr / suggestion if case == "much_higher" else suggestion / user_lr
    side = "above" if case == "much_higher" else "below"
    return (
        f"Your learning rate {mine} is {factor:.0f} times {side} the range test's suggestion "
        f"of {theirs}."
    )


def _result(test: RangeTest, verdict: Verdict) -> ProbeResult:
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values={
            "suggested_lr": test.suggestion,
            "user_lr": test.user_lr,
            "optimizer": test.optimizer,
            "steps": len(test.sweep.lrs),
            "min_loss": min(test.curve) if test.curve else None,
        },
        series=[
            _series("smoothed loss", test.sweep.lrs, test.curve),
            _series("loss", test.sweep.lrs, test.sweep.losses),
        ],
        finding=word(test, verdict),
    )


def _series(name: str, lrs: list[float], losses: list[float]) -> Series:
    return Series(name=name, x_label="learning rate", y_label="loss", x=lrs, y=losses, log_x=True)
