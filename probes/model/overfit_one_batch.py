"""overfit_one_batch: can the setup memorise a handful of examples?

A model, loss and optimizer that cannot drive the loss on 16 examples close to zero have a bug
in the setup; one that can has the capacity and the wiring, and the trouble lies elsewhere. A
retry with Adam at 1e-3 tells a bad learning rate from a setup that cannot fit at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.inputs import Inputs
from probes.model.common import (
    Deadline,
    Reporter,
    forward,
    fresh_model,
    inputs_note,
    make_optimizer,
    sample,
    standard_step,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import Measured, ProbeResult, Series
from probes.target import Target
from probes.verdict import Verdict

PROBE_ID = "overfit_one_batch"
BATCH = 16
STEPS = 500
SECONDS = 8.0
#: Passing means the loss fell to this share of where it started (or below ABSOLUTE); for
#: classification, also every example right with the loss below CLASSIFIED_SHARE of the start
#: (TheDeepChecker counts the error rate, not the loss).
SHARE = 0.05
ABSOLUTE = 1e-3
CLASSIFIED_SHARE = 0.25
RETRY_LR = 1e-3


@dataclass(frozen=True)
class BatchFit:
    """The losses of fitting one small batch, with the user's optimizer and, when that did not
    memorise it, with Adam at RETRY_LR."""

    examples: int
    mine: list[float]
    """The loss before each step with the user's optimizer."""
    memorised: bool
    adam: list[float] | None = None
    """The same with Adam at RETRY_LR; None when the user's optimizer memorised the batch."""
    adam_memorised: bool = False
    inputs_note: str = ""
    """A sentence about the inputs' scale, for a finding that says the batch was not fitted."""


def overfit_one_batch(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    fit = measure(target, report)
    report(1.0, "done")
    return _result(fit, judge(fit))


def measure(target: Target, report: Reporter) -> BatchFit:
    """Fit one seeded batch with the user's optimizer, and again with Adam if that fails."""
    training_loss(target)
    probe_model, device = fresh_model(target)
    inputs, targets = sample(target, BATCH, device)
    del probe_model
    report(0.0, f"fitting {len(inputs)} examples with your optimizer")
    mine, fitted = _fit(target, inputs, targets, lambda m: make_optimizer(target, m), report, 0)
    if fitted:
        return BatchFit(len(inputs), mine, memorised=True)
    report(0.5, "retrying with Adam at 1e-3")
    adam, adam_fitted = _fit(
        target,
        inputs,
        targets,
        lambda m: torch.optim.Adam(m.parameters(), lr=RETRY_LR),
        report,
        0.5,
    )
    return BatchFit(len(inputs), mine, False, adam, adam_fitted, inputs_note(inputs))


def _fit(
    target: Target,
    inputs: Inputs,
    targets: Tensor,
    build: object,
    report: Reporter,
    offset: float,
) -> tuple[list[float], bool]:
    """Train on the one batch; the losses before each step, and whether it was memorised."""
    loss = training_loss(target)
    model, _ = fresh_model(target)
    model.train()
    optimizer = build(model)  # type: ignore[operator]
    deadline = Deadline(SECONDS / 2)
    losses: list[float] = []
    for step in range(STEPS):
        losses.append(standard_step(model, optimizer, loss, inputs, targets))
        if _fitted(losses):
            return losses, True
        if step % 10 == 9 and _classified(target, model, inputs, targets, losses):
            return losses, True
        if not math.isfinite(losses[-1]) or deadline.passed:
            break
        if step % 25 == 0:
            report(offset + 0.5 * step / STEPS, f"step {step} of {STEPS}: loss {losses[-1]:.4g}")
    return losses, False


def _fitted(losses: list[float], share: float = SHARE) -> bool:
    if len(losses) < 2 or not all(math.isfinite(v) for v in losses[-5:]):
        return False
    recent = min(losses[-5:])
    start = losses[0]
    if start <= 0 or recent < 0:
        return False
    return recent <= ABSOLUTE or recent <= share * start


def _classified(
    target: Target, model: nn.Module, inputs: Inputs, targets: Tensor, losses: list[float]
) -> bool:
    """A classifier that gets every example of the batch right, with the loss well down."""
    if target.task not in ("binary", "multiclass") or not _fitted(losses, CLASSIFIED_SHARE):
        return False
    with torch.no_grad():
        output = forward(model, inputs)
    if output.ndim < 2 or output.shape[1] < 2 or targets.ndim != 1:
        return False
    return bool((output.argmax(dim=1) == targets).all())


# --- judging and wording ------------------------------------------------------------------
#: The cases ``judge`` names.
MEMORISED, BELOW_ZERO, ADAM_MEMORISED, CANNOT_FIT = (
    "memorised",
    "below_zero",
    "adam_memorised",
    "cannot_fit",
)


def judge(fit: BatchFit) -> Verdict:
    if fit.memorised:
        return Verdict("pass", {"overfit_one_batch": "pass"}, (MEMORISED,))
    finite = [v for v in fit.mine if math.isfinite(v)]
    if finite and min(finite) < 0:
        case = BELOW_ZERO
    else:
        case = ADAM_MEMORISED if fit.adam_memorised else CANNOT_FIT
    return Verdict("fail", {"overfit_one_batch": "fail"}, (case,))


def word(fit: BatchFit, verdict: Verdict) -> str:
    case, mine, examples = verdict.cases[0], fit.mine, fit.examples
    if case == MEMORISED:
        return (
            f"The model memorised {examples} examples: the loss fell from {mine[0]:.4g} to "
            f"{min(mine[-5:]):.4g} in {len(mine)} steps, so model, loss and optimizer can learn."
        )
    if case == BELOW_ZERO:
        lowest = min(v for v in mine if math.isfinite(v))
        text = (
            f"The loss on {examples} examples went below zero ({lowest:.4g}): a loss that "
            "can fall without end cannot show a fit; check the loss against the model's output."
        )
        return text + fit.inputs_note
    adam = fit.adam or []
    start = f"With your optimizer the loss on {examples} examples went from {mine[0]:.4g} to "
    start += f"{_last(mine)} in {len(mine)} steps"
    if case == ADAM_MEMORISED:
        text = (
            start + f"; Adam at 1e-3 memorised them ({_last(adam)} in {len(adam)} steps), so "
            "the learning rate or the optimizer settings are the problem."
        )
    else:
        text = (
            start + f", and Adam at 1e-3 got no further ({_last(adam)}): the model and loss "
            "cannot fit even a tiny batch, so look for a bug in the setup (output layer, loss, "
            "labels)."
        )
    return text + fit.inputs_note


def _last(losses: list[float]) -> str:
    value = losses[-1] if losses else math.nan
    return f"{value:.4g}" if math.isfinite(value) else "NaN"


def _result(fit: BatchFit, verdict: Verdict) -> ProbeResult:
    mine = fit.mine
    values: dict[str, Measured] = {
        "examples": fit.examples,
        "steps": len(mine),
        "start_loss": _finite(mine[0]) if mine else None,
        "end_loss": _finite(min(mine[-5:])) if mine else None,
    }
    series = [Series.finite("your optimizer", mine)]
    if fit.adam is not None:
        series.append(Series.finite("Adam 1e-3", fit.adam))
        values["fits_with_adam"] = fit.adam_memorised
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values=values,
        finding=word(fit, verdict),
        series=series,
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
