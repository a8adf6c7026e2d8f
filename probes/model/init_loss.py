"""init_loss: the loss at initialisation against what a blind guess scores."""

from __future__ import annotations

import math

import torch

from probes.model.common import (
    Reporter,
    chance_loss,
    compute_loss,
    forward,
    fresh_model,
    inputs_note,
    sample,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import Target

PROBE_ID = "init_loss"
BATCH = 256
#: Above this multiple of the blind-guess loss the start is "too high"; below 1/2 "too low".
HIGH_RATIO = 1.5
LOW_RATIO = 0.5


def init_loss(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    loss = training_loss(target)
    model, device = fresh_model(target)
    inputs, targets = sample(target, BATCH, device)
    report(0.3, "measuring the loss of the untrained model")
    model.eval()
    with torch.no_grad():
        prediction = forward(model, inputs)
        measured = float(compute_loss(loss, prediction, targets))
    expected = chance_loss(target, prediction, targets)
    report(1.0, "done")
    return _judge(measured, expected, inputs_note(inputs))


def _judge(measured: float, expected: float | None, note: str) -> ProbeResult:
    values: dict[str, float | None] = {"loss": _finite(measured), "expected": expected}
    if not math.isfinite(measured):
        return ProbeResult(
            id=PROBE_ID,
            status="fail",
            facts={"init_loss": "too_high"},
            values=values,
            finding=f"The loss of the untrained model is {measured}, not a number." + note,
        )
    if expected is None or expected <= 0:
        return ProbeResult(
            id=PROBE_ID,
            status="pass",
            values=values,
            finding=f"The loss at initialisation is {measured:.4g}; there is no blind-guess "
            "value to compare it with for this loss.",
        )
    ratio = measured / expected
    values["ratio"] = ratio
    verdict = "too_high" if ratio > HIGH_RATIO else "too_low" if ratio < LOW_RATIO else "expected"
    return ProbeResult(
        id=PROBE_ID,
        status="pass" if verdict == "expected" else "warn",
        facts={"init_loss": verdict},
        values=values,
        finding=_finding(verdict, measured, expected, ratio) + note,
    )


def _finding(verdict: str, measured: float, expected: float, ratio: float) -> str:
    start = f"The loss at initialisation is {measured:.4g}"
    if verdict == "expected":
        return f"{start}, close to the {expected:.4g} a blind guess gives."
    if verdict == "too_high":
        return (
            f"{start}, {ratio:.1f} times the {expected:.4g} a blind guess gives: the untrained "
            "model is confidently wrong (large initial weights or an output far from the targets)."
        )
    return (
        f"{start}, only {ratio:.2f} of the {expected:.4g} a blind guess gives: the untrained "
        "model should not do this well; check the loss and the labels."
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
