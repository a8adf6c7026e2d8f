"""How a loss curve moves, and how far training and validation curves end apart.

The curve is cut into five windows and compared by window means, so single noisy steps do not
decide. Thresholds follow TheDeepChecker: a loss must fall by at least 5% to count as moving,
and a curve that changes direction at more than half of its steps fluctuates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from probes.data.errors import DataError
from probes.result import Measured, ProbeStatus

WINDOWS = 5
#: A fall below this share of the starting loss is flat; a rise above it diverges.
MOVES = 0.05
#: A total fall below this share is slow, unless the curve stalls.
SLOW = 0.25
#: A fall over the last two windows below this share is a stall ...
STALL = 0.02
#: ... and a stall above this share of the starting loss is high.
HIGH = 0.5
#: More direction changes than this share of steps is fluctuation, as in TheDeepChecker ...
CHANGES = 0.5
#: ... when the typical step is at least this share of the starting loss.
SWING = 0.1
#: Validation loss at least this many times the training loss is a large gap ...
GAP_RATIO = 1.5
#: ... when the difference is at least this share of the first validation loss.
GAP_SHARE = 0.1
#: Metric gaps (accuracy and the like, in [0, 1]): large, and validation better.
METRIC_GAP, METRIC_BETTER = 0.1, 0.03

STATUS: dict[str, ProbeStatus] = {
    "decreasing": "pass",
    "slow": "warn",
    "plateau_high": "warn",
    "oscillating": "warn",
    "flat": "fail",
    "diverging": "fail",
    "nan": "fail",
    "negative": "fail",
}


@dataclass(frozen=True)
class Trend:
    """A loss curve's ``loss_trend`` value and the numbers behind it."""

    value: str
    start: float
    end: float
    lowest: float
    points: int
    changes: float
    first_bad: int | None = None

    @property
    def status(self) -> ProbeStatus:
        return STATUS[self.value]

    def describe(self) -> str:
        """Plain words on how the curve moves, with its numbers."""
        span = f"from {self.start:.3g} to {self.end:.3g} over {self.points} values"
        fall = (self.start - self.end) / abs(self.start) if self.start else 0.0
        return {
            "nan": f"becomes NaN or infinite at value {self.first_bad} of {self.points}",
            "negative": f"goes below zero (lowest {self.lowest:.3g}), which no proper loss does",
            "diverging": f"grows: {span}",
            "oscillating": f"jumps up and down: it changes direction at {self.changes:.0%} of "
            f"its steps ({span})",
            "flat": f"stays flat: {span}",
            "slow": f"falls slowly: {span} ({fall:.0%})",
            "plateau_high": f"falls, then stalls high: {span}",
            "decreasing": f"goes down steadily: {span}",
        }[self.value]

    def values(self, name: str) -> dict[str, Measured]:
        return {
            "loss_curve": name,
            "loss_start": _rounded(self.start),
            "loss_end": _rounded(self.end),
            "loss_lowest": _rounded(self.lowest),
            "loss_points": self.points,
            "direction_changes": round(self.changes, 3),
        }


@dataclass(frozen=True)
class Gap:
    """``train_valid_gap`` from where the two curves end."""

    value: str
    train_end: float
    valid_end: float
    metric: bool

    @property
    def status(self) -> ProbeStatus:
        return "pass" if self.value == "none" else "warn"

    @property
    def note(self) -> str:
        kind = "metric" if self.metric else "loss"
        ends = f"training {kind} ends at {self.train_end:.3g}, validation at {self.valid_end:.3g}"
        if self.value == "large":
            return f"{ends}: training does much better than validation"
        if self.value == "valid_better":
            return f"{ends}: validation does better than training"
        return ends

    @property
    def values(self) -> dict[str, Measured]:
        return {"train_end": _rounded(self.train_end), "valid_end": _rounded(self.valid_end)}


def loss_trend(points: list[float]) -> Trend:
    """Classify a loss curve as one of the ``loss_trend`` values."""
    if len(points) < 3:
        raise DataError(
            f"a trend needs at least 3 values of the loss; got {len(points)}. Give the loss "
            "of every epoch or every few steps."
        )
    values = np.asarray(points, dtype=np.float64)
    finite = values[np.isfinite(values)]
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        start, end = (float(finite[0]), float(finite[-1])) if finite.size else (math.nan, math.nan)
        lowest = float(finite.min()) if finite.size else math.nan
        return Trend("nan", start, end, lowest, len(values), 0.0, int(bad[0]) + 1)
    windows = np.array_split(values, min(WINDOWS, len(values)))
    means = np.array([window.mean() for window in windows])
    return Trend(
        _classify(values, means),
        float(means[0]),
        float(means[-1]),
        float(values.min()),
        len(values),
        _direction_changes(values),
    )


def train_valid_gap(train: list[float], valid: list[float], lower_is_better: bool) -> Gap | None:
    """none, large or valid_better, comparing the last windows of both curves."""
    first = _ends(train)
    second = _ends(valid)
    if first is None or second is None:
        return None
    train_end, valid_end, valid_start = first[1], second[1], second[0]
    if lower_is_better:
        value = _loss_gap(train_end, valid_end, valid_start)
    else:
        scale = 100.0 if max(train_end, valid_end) > 1 else 1.0
        value = _metric_gap(train_end / scale, valid_end / scale)
    return Gap(value, train_end, valid_end, metric=not lower_is_better)


def _classify(values: np.ndarray, means: np.ndarray) -> str:
    if values.min() < 0:
        return "negative"
    start, end, low = means[0], means[-1], means.min()
    scale = abs(start) or 1e-12
    fall = (start - end) / scale
    if -fall >= MOVES or (start > low and end - low >= 0.5 * (start - low) and end >= 1.5 * low):
        return "diverging"
    swing = float(np.median(np.abs(np.diff(values)))) / scale
    if _direction_changes(values) > CHANGES and swing >= SWING and swing >= 0.5 * max(fall, 0.0):
        return "oscillating"
    if fall < MOVES:
        return "flat"
    tail = (means[-3] - end) / scale if len(means) >= 3 else fall
    if tail < STALL and end > HIGH * start:
        return "plateau_high"
    return "slow" if fall < SLOW else "decreasing"


def _direction_changes(values: np.ndarray) -> float:
    steps = np.sign(np.diff(values))
    steps = steps[steps != 0]
    if len(steps) < 2:
        return 0.0
    return float((steps[1:] != steps[:-1]).mean())


def _ends(points: list[float]) -> tuple[float, float] | None:
    values = np.asarray([p for p in points if math.isfinite(p)], dtype=np.float64)
    if len(values) == 0:
        return None
    window = max(1, len(values) // WINDOWS)
    return float(values[:window].mean()), float(values[-window:].mean())


def _loss_gap(train_end: float, valid_end: float, valid_start: float) -> str:
    scale = abs(valid_start) or 1e-12
    if valid_end >= GAP_RATIO * train_end and (valid_end - train_end) / scale >= GAP_SHARE:
        return "large"
    if train_end >= GAP_RATIO * valid_end and (train_end - valid_end) / scale >= GAP_SHARE:
        return "valid_better"
    return "none"


def _metric_gap(train_end: float, valid_end: float) -> str:
    if train_end - valid_end >= METRIC_GAP:
        return "large"
    if valid_end - train_end >= METRIC_BETTER:
        return "valid_better"
    return "none"


def _rounded(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None
