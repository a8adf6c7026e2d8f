"""shuffled_labels_fit: does the model fit the real labels faster than shuffled ones?

Real structure is fitted much faster than random labels (Zhang et al., "Understanding deep
learning requires rethinking generalization", 2017; Arpit et al., "A closer look at
memorization in deep networks", 2017). Two fresh copies of the model, from the same seeded
initialisation, train for the same short budget on the same small subset, one on the real
labels and one on the labels shuffled among the subset. When both losses fall at the same
speed, the real labels carry nothing the model can use (labels out of step with the inputs,
or no signal in them); when the real labels fall clearly faster, there is structure, and a
large train/valid gap is memorisation on top of it (overfitting, too little data).

The comparison is the real labels' lead: the share of the shuffled fit's loss that the real
fit's loss is below it, at its widest (over a few steps, so one step's noise does not count).
Both fits share the labels' values (only their pairing differs), so what any labels allow
(the mean of a regression target, the class balance) falls out; and a model big enough to
memorise both subsets within the budget still shows which it memorised first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from probes.inputs import Inputs
from probes.model.common import (
    Deadline,
    Reporter,
    fresh_model,
    make_optimizer,
    sample,
    seed_everything,
    standard_step,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import Measured, ProbeResult, Series
from probes.target import Target
from probes.verdict import Verdict

PROBE_ID = "shuffled_labels_fit"
FACT = "real_vs_shuffled_fit"
#: Examples in the subset: enough that shuffled labels take a while to memorise, few enough
#: that a full-batch step stays cheap.
SUBSET = 128
STEPS = 200
#: Seconds per fit, a guard for a slow model only: the judgement depends on steps, not on the
#: machine's speed; a fit cut short is compared with the other over the steps both took.
SECONDS = 4.0
#: The real labels count as faster when their lead averages at least LEAD (a share of the
#: shuffled fit's loss); fits whose loss fell by less than MOVED of its start tell nothing.
LEAD = 0.15
MOVED = 0.02
WINDOW = 5


@dataclass(frozen=True)
class LabelFits:
    """The loss before each step of the two fits, on the same subset from the same start."""

    examples: int
    real: list[float]
    shuffled: list[float]

    @property
    def steps(self) -> int:
        return min(len(self.real), len(self.shuffled))

    @property
    def real_speed(self) -> float:
        return speed(self.real[: self.steps])

    @property
    def shuffled_speed(self) -> float:
        return speed(self.shuffled[: self.steps])

    @property
    def lead(self) -> float:
        return lead(self.real[: self.steps], self.shuffled[: self.steps])


def speed(losses: list[float]) -> float:
    """The share of the starting loss removed, averaged over the steps after the first."""
    if len(losses) < 2 or not all(math.isfinite(v) for v in losses) or losses[0] <= 0:
        return math.nan
    start = losses[0]
    return sum(1 - value / start for value in losses[1:]) / (len(losses) - 1)


def lead(real: list[float], shuffled: list[float]) -> float:
    """How far below the shuffled fit's loss the real fit's gets, as a share of the shuffled
    one: the largest mean over WINDOW consecutive steps (one step's noise is no lead)."""
    pairs = list(zip(real[1:], shuffled[1:], strict=False))
    if len(pairs) < WINDOW or not all(math.isfinite(r) and math.isfinite(s) for r, s in pairs):
        return math.nan
    shares = [max(-1.0, min(1.0, (s - r) / s)) if s > 0 else 0.0 for r, s in pairs]
    return max(sum(shares[i : i + WINDOW]) / WINDOW for i in range(len(shares) - WINDOW + 1))


def shuffled_labels_fit(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    fits = measure(target, report)
    report(1.0, "done")
    verdict = judge(fits)
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values=_values(fits),
        finding=word(fits, verdict),
        series=[
            Series.finite("real labels", fits.real),
            Series.finite("shuffled labels", fits.shuffled),
        ],
    )


def measure(target: Target, report: Reporter) -> LabelFits:
    """Fit the subset with its real labels, then with them shuffled, from the same start."""
    training_loss(target)
    _, device = fresh_model(target)
    inputs, targets = sample(target, SUBSET, device)
    generator = torch.Generator().manual_seed(1)
    shuffled = targets[torch.randperm(len(targets), generator=generator).to(targets.device)]
    report(0.0, f"fitting {len(inputs)} examples with their real labels")
    real = _fit(target, inputs, targets)
    report(0.5, f"fitting {len(inputs)} examples with shuffled labels")
    shuffled_losses = _fit(target, inputs, shuffled)
    return LabelFits(len(inputs), real, shuffled_losses)


def _fit(target: Target, inputs: Inputs, targets: Tensor) -> list[float]:
    """The loss before each full-batch step with the user's optimizer on a fresh model."""
    seed_everything()  # both fits start from the same weights
    model, _ = fresh_model(target)
    model.train()
    optimizer = make_optimizer(target, model)
    loss = training_loss(target)
    deadline = Deadline(SECONDS)
    losses: list[float] = []
    for _ in range(STEPS):
        losses.append(standard_step(model, optimizer, loss, inputs, targets))
        if not math.isfinite(losses[-1]) or deadline.passed:
            break
    return losses


# --- judging and wording ------------------------------------------------------------------
#: The cases ``judge`` names.
FASTER, SAME, UNMOVED, NOT_FINITE = "faster", "same", "unmoved", "not_finite"


def judge(fits: LabelFits) -> Verdict:
    real, shuffled = fits.real_speed, fits.shuffled_speed
    if not (math.isfinite(real) and math.isfinite(shuffled)):
        return Verdict("pass", {}, (NOT_FINITE,))
    if max(real, shuffled) < MOVED:
        return Verdict("pass", {}, (UNMOVED,))
    if fits.lead >= LEAD:
        return Verdict("pass", {FACT: "faster"}, (FASTER,))
    return Verdict("warn", {FACT: "same"}, (SAME,))


def word(fits: LabelFits, verdict: Verdict) -> str:
    case = verdict.cases[0]
    if case == NOT_FINITE:
        return (
            f"Skipped: a fit on {fits.examples} examples reached a non-finite loss, so the "
            "speeds of real and shuffled labels cannot be compared."
        )
    if case == UNMOVED:
        return (
            f"Skipped: neither the real nor the shuffled labels of {fits.examples} examples "
            f"moved the loss in {fits.steps} steps, so the speeds cannot be compared."
        )
    speeds = (
        f"in {fits.steps} steps on {fits.examples} examples the loss on the real labels was "
        f"up to {fits.lead:.0%} below the loss on shuffled ones"
    )
    if case == FASTER:
        return (
            f"The real labels are fitted much faster than shuffled ones ({speeds}): the data "
            "has structure the model finds."
        )
    return (
        f"The real labels are fitted no faster than shuffled ones ({speeds}): the model finds "
        "nothing in the inputs that goes with their labels. Either there is nothing (labels out "
        "of step with their inputs, inputs without the signal) or the model cannot take it in "
        "(a fault in its layers or output that the other probes name)."
    )


def _values(fits: LabelFits) -> dict[str, Measured]:
    return {
        "examples": fits.examples,
        "steps": fits.steps,
        "real_speed": _finite(fits.real_speed),
        "shuffled_speed": _finite(fits.shuffled_speed),
        "real_lead": _finite(fits.lead),
    }


def _finite(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None
