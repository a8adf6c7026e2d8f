"""init_loss: the loss at initialisation against what a blind guess scores."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
from probes.result import Measured, ProbeResult
from probes.target import Target, loss_kind
from probes.verdict import Verdict

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
    start = StartLoss(measured, expected, untrained, inputs_note(inputs))
    return _result(start, judge(start))


@dataclass(frozen=True)
class StartLoss:
    """The untrained model's loss, and what a blind guess and predicting 0 would score."""

    measured: float
    expected: float | None
    """The loss of a blind guess (``chance_loss``), where the loss has one."""
    untrained: float | None
    """For regression, the loss of predicting 0 everywhere (``untrained_loss``)."""
    inputs_note: str
    """A sentence about the inputs' scale, appended to every finding (may be empty)."""


def untrained_loss(target: Target, targets: torch.Tensor) -> float | None:
    """For regression, the loss of predicting 0 everywhere: what an untrained model scores."""
    values = targets.double()
    kind = loss_kind(target.loss)
    if kind == "mse":
        return float((values**2).mean())
    if kind == "mae":
        return float(values.abs().mean())
    return None


#: The cases ``judge`` names besides the verdicts too_high, too_low and expected.
NOT_A_NUMBER, NO_REFERENCE = "not_a_number", "no_reference"


def judge(start: StartLoss) -> Verdict:
    measured, expected = start.measured, start.expected
    if not math.isfinite(measured):
        return Verdict("fail", {"init_loss": "too_high"}, (NOT_A_NUMBER,))
    if expected is None or expected <= 0:
        return Verdict("pass", {}, (NO_REFERENCE,))
    if measured > HIGH_RATIO * _ceiling(start):
        verdict = "too_high"
    elif measured < LOW_RATIO * expected:
        verdict = "too_low"
    else:
        verdict = "expected"
    return Verdict("pass" if verdict == "expected" else "warn", {"init_loss": verdict}, (verdict,))


def _ceiling(start: StartLoss) -> float:
    """The higher of the blind guess's loss and predicting 0's: a start above both is high."""
    return max(start.expected or 0.0, start.untrained or 0.0)


def _reference(start: StartLoss, verdict: str) -> float:
    """What the finding compares the start with: the ceiling when the start is high or above
    the blind guess, the blind guess otherwise."""
    expected = start.expected or 0.0
    if verdict == "too_high" or (verdict == "expected" and start.measured > expected):
        return _ceiling(start)
    return expected


def word(start: StartLoss, verdict: Verdict) -> str:
    case, measured = verdict.cases[0], start.measured
    if case == NOT_A_NUMBER:
        return f"The loss of the untrained model is {measured}, not a number." + start.inputs_note
    if case == NO_REFERENCE:
        return (
            f"The loss at initialisation is {measured:.4g}; there is no blind-guess "
            "value to compare it with for this loss."
        )
    reference = _reference(start, case)
    words = GUESS if reference == start.expected else ZERO
    return _finding(case, measured, reference, words) + start.inputs_note


def _result(start: StartLoss, verdict: Verdict) -> ProbeResult:
    values: dict[str, Measured] = {"loss": _finite(start.measured), "expected": start.expected}
    if verdict.cases[0] not in (NOT_A_NUMBER, NO_REFERENCE):
        values["ratio"] = start.measured / (start.expected or math.nan)
        values["untrained"] = start.untrained
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values=values,
        finding=word(start, verdict),
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
