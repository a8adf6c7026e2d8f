"""train_step_check: does the user's own train_step clear gradients, update, and lower the loss?

The step is called on one fixed batch under the same watcher as ``unstuck run``
(``probes/watch``): it records the learning rate of every parameter group per optimizer
step, the shapes and dtypes that reach the loss, the warnings PyTorch emits, the gradient
norms, and whether the gradients an optimizer step leaves are cleared before the next step.
Correct accumulation (several calls per optimizer step, cleared after each step) is not a
fault: gradients pile up only when a step starts from the previous step's gradients. Where
no optimizer step followed another, the older check decides: after a first call, the
gradients a second call leaves behind are compared with a single clean call's.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.errors import ProbeFailure
from probes.inputs import Inputs
from probes.model.common import (
    Reporter,
    as_float,
    compute_loss,
    exception_text,
    forward,
    fresh_model,
    make_optimizer,
    sample,
    step_in_eval_mode,
)
from probes.progress import ProgressFn
from probes.result import Measured, ProbeResult, Series
from probes.target import Target, format_lr
from probes.verdict import Verdict
from probes.watch.capture import main_model
from probes.watch.hooks import Watcher
from probes.watch.judge import lr_collapses, measure

PROBE_ID = "train_step_check"
BATCH = 32
CALLS = 5
#: With accumulation a step may take several calls: call up to this many times until one
#: optimizer step has followed another, so clearing can be judged.
MAX_CALLS = 16
STEP_SEED = 1234
EVAL_MODE_PROBLEM = (
    "Your train_step runs the model in eval mode (it calls model.eval()), so dropout is off "
    "and batch norm uses its running statistics instead of the batch's: call model.train() "
    "before the training forward pass."
)


@dataclass(frozen=True)
class StepCalls:
    """What calling the user's train_step on one fixed batch showed."""

    clears: bool | None
    """Whether a second call's gradients match a clean call's; None when none were left."""
    updates: bool
    """Whether the first call changed any parameter."""
    losses: list[float]
    """The loss each call returned (measured again where it returned no finite number)."""
    in_eval: bool
    """Whether the step runs dropout or batch norm in eval mode."""
    loop: LoopSeen | None = None
    """What the watcher saw across the calls."""

    @property
    def loss_falls(self) -> bool:
        losses = self.losses
        return len(losses) >= 2 and math.isfinite(losses[-1]) and losses[-1] < losses[0]


@dataclass(frozen=True)
class LoopSeen:
    """What the watcher saw of the calls (``probes/watch``)."""

    stale: list[bool]
    """For each optimizer step after the first: did it start from the last step's
    gradients?"""
    lrs: list[list[float]]
    broadcast: list[str]
    warnings: list[str]
    batch: str | None
    grad_norms: list[float]
    """The total gradient norm at each optimizer step."""


def train_step_check(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    if target.train_step is None:
        return _no_step()
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    inputs, targets = sample(target, min(BATCH, target.batch_size), device)
    before = _weights(model)
    watcher = Watcher()
    report(0.2, "calling your train_step")
    with watcher:
        losses = [_call(target, model, optimizer, inputs, targets)]
    in_eval = _runs_in_eval_mode(target, copy.deepcopy(model), inputs, targets)
    first_grads = _grads(model)
    snapshot = copy.deepcopy(model)
    with watcher:
        losses.append(_call(target, model, optimizer, inputs, targets))
    second_grads = _grads(model)
    report(0.5, "comparing with a single clean call")
    clean_grads = _clean_grads(target, snapshot, inputs, targets)
    older_check = _clears(first_grads, second_grads, clean_grads)
    with watcher:
        while len(losses) < CALLS or (
            not watcher.recording.stale_grads and len(losses) < MAX_CALLS
        ):
            losses.append(_call(target, model, optimizer, inputs, targets))
    updates = any(not torch.equal(before[n], p.detach()) for n, p in model.named_parameters())
    losses = [v if math.isfinite(v) else _measure(target, model, inputs, targets) for v in losses]
    report(1.0, "done")
    loop = _loop_seen(watcher)
    clears = _judge_clearing(loop, older_check, steps=len(watcher.recording.steps))
    calls = StepCalls(clears=clears, updates=updates, losses=losses, in_eval=in_eval, loop=loop)
    return _result(calls, judge(calls))


def _loop_seen(watcher: Watcher) -> LoopSeen:
    recording = watcher.recording
    seen = measure(recording, main_model(recording))
    return LoopSeen(
        stale=list(recording.stale_grads),
        lrs=[step.lrs for step in recording.steps],
        broadcast=seen.broadcast + seen.size_warnings,
        warnings=seen.warnings,
        batch=seen.batch,
        grad_norms=[
            math.sqrt(sum(n * n for n in step.grad_norms.values()))
            for step in recording.steps
            if step.grad_norms
        ],
    )


def _judge_clearing(loop: LoopSeen, older_check: bool | None, steps: int) -> bool | None:
    """Whether the step clears gradients: the watcher's answer when an optimizer step
    followed another; with fewer than two steps, the comparison of two calls only if the
    step never stepped (no accumulation can be told from it then); else unknown."""
    if loop.stale:
        return sum(loop.stale) * 2 < len(loop.stale)
    return older_check if steps == 0 else None


def _call(
    target: Target,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: Inputs,
    targets: Tensor,
) -> float:
    """One call of the user's step, its warnings left for the watcher to record."""
    torch.manual_seed(STEP_SEED)
    step = target.train_step
    if step is None:  # train_step_check returns before any call without one
        raise ProbeFailure("the experiment has no 'train_step'")
    model.train()
    try:
        value = step(model, target.step_batch(inputs, targets), target.loss, optimizer)
    except ProbeFailure:
        raise
    except Exception as error:
        raise ProbeFailure(f"the experiment's train_step raised {exception_text(error)}") from error
    return as_float(value)


def _runs_in_eval_mode(target: Target, model: nn.Module, inputs: Inputs, targets: Tensor) -> bool:
    """Whether a call from train mode runs the dropout or batch norm in eval mode (on a copy)."""
    torch.manual_seed(STEP_SEED)
    return step_in_eval_mode(target, model, make_optimizer(target, model), inputs, targets)[1]


def _clean_grads(
    target: Target, snapshot: nn.Module, inputs: Inputs, targets: Tensor
) -> dict[str, Tensor]:
    for p in snapshot.parameters():
        p.grad = None
    optimizer = make_optimizer(target, snapshot)
    _call(target, snapshot, optimizer, inputs, targets)
    return _grads(snapshot)


def _clears(
    first: dict[str, Tensor], second: dict[str, Tensor], clean: dict[str, Tensor]
) -> bool | None:
    """True when the second call's gradients match a clean call; None when none are left."""
    if not second or not clean:
        return None
    to_clean = sum(float((second[n] - clean[n]).norm()) for n in second if n in clean)
    piled = {n: clean[n] + first.get(n, torch.zeros_like(clean[n])) for n in clean}
    to_piled = sum(float((second[n] - piled[n]).norm()) for n in second if n in piled)
    if not math.isfinite(to_clean) or not math.isfinite(to_piled):
        return None
    return to_clean <= to_piled


def _grads(model: nn.Module) -> dict[str, Tensor]:
    """Gradients left on the parameters; an all-zero or missing gradient counts as cleared."""
    return {
        name: p.grad.detach().clone()
        for name, p in model.named_parameters()
        if p.grad is not None and bool(p.grad.abs().sum() > 0)
    }


def _weights(model: nn.Module) -> dict[str, Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _measure(target: Target, model: nn.Module, inputs: Inputs, targets: Tensor) -> float:
    if target.loss is None:
        return math.nan
    with torch.no_grad():
        return float(compute_loss(target.loss, forward(model, inputs), targets))


# --- the result ---------------------------------------------------------------------------
def _no_step() -> ProbeResult:
    return ProbeResult(
        id=PROBE_ID,
        status="error",
        finding="The experiment has no 'train_step', so there is no training step of yours "
        "to check.",
        error="no train_step",
    )


#: The cases ``judge`` names, each a fault of the step, in the order the finding says them.
GRADS_PILE_UP, NO_UPDATE, LOSS_NOT_FALLING, EVAL_MODE, LR_COLLAPSES, BROADCAST = (
    "grads_pile_up",
    "no_update",
    "loss_not_falling",
    "eval_mode",
    "lr_collapses",
    "broadcast",
)


def judge(calls: StepCalls) -> Verdict:
    cleared = calls.clears is not False
    facts = {
        "train_step_clears_grad": "yes" if cleared else "no",
        "zero_grad_called": "yes" if cleared else "no",
        "train_step_updates": "yes" if calls.updates and calls.loss_falls else "no",
    }
    if calls.in_eval:
        # Only the wrong case is certain: a step in train mode says nothing of evaluation.
        facts["mode_switching"] = "missing"
    facts["trained_in_eval_mode"] = "yes" if calls.in_eval else "no"
    loop = calls.loop
    collapses = lr_collapses(loop.lrs) if loop is not None else None
    if collapses is not None:
        facts["lr_collapses"] = "yes" if collapses else "no"
    if loop is not None:
        facts["broadcast_mismatch"] = "yes" if loop.broadcast else "no"
        facts["shape_warning"] = (
            "yes" if any("target size" in w.lower() for w in loop.warnings) else "no"
        )
    faults = []
    if not cleared:
        faults.append(GRADS_PILE_UP)
    if not calls.updates:
        faults.append(NO_UPDATE)
    elif not calls.loss_falls:
        faults.append(LOSS_NOT_FALLING)
    if calls.in_eval:
        faults.append(EVAL_MODE)
    if collapses:
        faults.append(LR_COLLAPSES)
    if loop is not None and loop.broadcast:
        faults.append(BROADCAST)
    return Verdict("fail" if faults else "pass", facts, tuple(faults))


def word(calls: StepCalls, verdict: Verdict) -> str:
    # every run calls the step at least once, so there is a first and a last loss
    first, last, count = _text(calls.losses[0]), _text(calls.losses[-1]), len(calls.losses)
    if not verdict.cases:
        return (
            f"Your train_step clears gradients, updates the weights, and lowers the loss "
            f"on a fixed batch from {first} to {last} in {count} calls."
        )
    sentences = {
        GRADS_PILE_UP: "Gradients pile up from one call of your train_step to the next: call "
        "optimizer.zero_grad() in every step.",
        NO_UPDATE: "Your train_step leaves the parameters unchanged: check that it calls "
        "optimizer.step() and that the optimizer holds the model's parameters.",
        LOSS_NOT_FALLING: f"The loss on a fixed batch did not fall over {count} calls of your "
        f"train_step ({first} to {last}).",
        EVAL_MODE: EVAL_MODE_PROBLEM,
        LR_COLLAPSES: _collapse_sentence(calls),
        BROADCAST: _broadcast_sentence(calls),
    }
    return " ".join(sentences[case] for case in verdict.cases)


def _collapse_sentence(calls: StepCalls) -> str:
    lrs = calls.loop.lrs if calls.loop is not None else []
    if not lrs:
        return ""
    first, lowest = lrs[0][0], min(step[0] for step in lrs)
    return (
        f"The learning rate fell from {format_lr(first)} to {format_lr(lowest)} over "
        f"{len(lrs)} optimizer steps of your train_step: a scheduler meant per epoch seems to "
        "be stepped every batch. Step it once per epoch, or size it in batches."
    )


def _broadcast_sentence(calls: StepCalls) -> str:
    shapes = calls.loop.broadcast[0] if calls.loop is not None and calls.loop.broadcast else ""
    return (
        f"In your train_step the loss compared {shapes}: the shapes differ and broadcast "
        "silently. Make the prediction and the target the same shape."
    )


def _result(calls: StepCalls, verdict: Verdict) -> ProbeResult:
    losses = calls.losses
    finite = [(float(i), v) for i, v in enumerate(losses) if math.isfinite(v)]
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values={
            "calls": len(losses),
            "first_loss": losses[0] if losses and math.isfinite(losses[0]) else None,
            "last_loss": losses[-1] if losses and math.isfinite(losses[-1]) else None,
            "parameters_changed": calls.updates,
            "runs_in_eval_mode": calls.in_eval,
            **_loop_values(calls.loop),
        },
        series=[
            Series(
                name="train_step loss",
                x_label="call",
                y_label="loss",
                x=[i for i, _ in finite],
                y=[v for _, v in finite],
            )
        ],
        finding=word(calls, verdict),
    )


def _text(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "NaN"


def _loop_values(loop: LoopSeen | None) -> dict[str, Measured]:
    if loop is None:
        return {}
    return {
        "optimizer_steps": len(loop.lrs),
        "first_lr": loop.lrs[0][0] if loop.lrs else None,
        "last_lr": loop.lrs[-1][0] if loop.lrs else None,
        "first_grad_norm": loop.grad_norms[0] if loop.grad_norms else None,
        "last_grad_norm": loop.grad_norms[-1] if loop.grad_norms else None,
        "batch": loop.batch,
        "warnings": " | ".join(loop.warnings[:3]) or None,
    }
