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
from probes.target import Target, loss_kind

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
    untrained = untrained_loss(target, targets)
    report(1.0, "done")
    return _judge(measured, expected, untrained, inputs_note(inputs))


def untrained_loss(target: Target, targets: torch.Tensor) -> float | None:
    """For regression, the loss of predicting 0 everywhere: what an untrained model scores."""
    values = targets.double()
    kind = loss_kind(target.loss)
    if kind == "mse":
        return float((values**2).mean())
    if kind == "mae":
        return float(values.abs().mean())
    return None


def _judge(
    measured: float, expected: float | None, untrained: float | None, note: str
) -> ProbeResult:
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
    ceiling = max(expected, untrained or 0.0)
    values["ratio"] = measured / expected
    values["untrained"] = untrained
    if measured > HIGH_RATIO * ceiling:
        verdict, reference = "too_high", ceiling
    elif measured < LOW_RATIO * expected:
        verdict, reference = "too_low", expected
    else:
        verdict, reference = "expected", ceiling if measured > expected else expected
    words = GUESS if reference == expected else ZERO
    return ProbeResult(
        id=PROBE_ID,
        status="pass" if verdict == "expected" else "warn",
        facts={"init_loss": verdict},
        values=values,
        finding=_finding(verdict, measured, reference, words) + note,
    )


GUESS = "a blind guess gives"
ZERO = "predicting 0 for every target gives"


def _finding(verdict: str, measured: float, reference: float, words: str) -> str:
    start = f"The loss at initialisation is {measured:.4g}"
    ratio = measured / reference
    if verdict == "expected":
        return f"{start}, close to the {reference:.4g} {words}."
    if verdict == "too_high":
        return (
            f"{start}, {ratio:.1f} times the {reference:.4g} {words}: the untrained model is "
            "confidently wrong (large initial weights or an output far from the targets)."
        )
    return (
        f"{start}, only {ratio:.2f} of the {reference:.4g} {words}: the untrained model should "
        "not do this well; check the loss and the labels."
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
