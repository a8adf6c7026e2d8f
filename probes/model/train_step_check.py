"""train_step_check: does the user's own train_step clear gradients, update, and lower the loss?

On one fixed batch: after a first call, the gradients a second call leaves behind are compared
with the gradients of a single clean call from the same weights. Equal means the step clears
them; equal to the sum of both calls means they pile up (zero_grad is missing).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor, nn

from probes.model.common import (
    Reporter,
    compute_loss,
    forward,
    fresh_model,
    make_optimizer,
    sample,
    step_in_eval_mode,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult, Series
from probes.target import Target

PROBE_ID = "train_step_check"
BATCH = 32
CALLS = 5
STEP_SEED = 1234
EVAL_MODE_PROBLEM = (
    "Your train_step runs the model in eval mode (it calls model.eval()), so dropout is off "
    "and batch norm uses its running statistics instead of the batch's: call model.train() "
    "before the training forward pass."
)


def train_step_check(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    if target.train_step is None:
        return _no_step()
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    inputs, targets = sample(target, min(BATCH, target.batch_size), device)
    before = _weights(model)
    report(0.2, "calling your train_step")
    losses = [_call(target, model, optimizer, inputs, targets)]
    in_eval = _runs_in_eval_mode(target, copy.deepcopy(model), inputs, targets)
    first_grads = _grads(model)
    updates = any(not torch.equal(before[n], p.detach()) for n, p in model.named_parameters())
    snapshot = copy.deepcopy(model)
    losses.append(_call(target, model, optimizer, inputs, targets))
    second_grads = _grads(model)
    report(0.5, "comparing with a single clean call")
    clean_grads = _clean_grads(target, snapshot, inputs, targets)
    clears = _clears(first_grads, second_grads, clean_grads)
    for _ in range(CALLS - 2):
        losses.append(_call(target, model, optimizer, inputs, targets))
    losses = [v if math.isfinite(v) else _measure(target, model, inputs, targets) for v in losses]
    report(1.0, "done")
    return _result(clears, updates, losses, in_eval)


def _call(
    target: Target,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: Tensor,
    targets: Tensor,
) -> float:
    torch.manual_seed(STEP_SEED)
    return step_in_eval_mode(target, model, optimizer, inputs, targets)[0]


def _runs_in_eval_mode(target: Target, model: nn.Module, inputs: Tensor, targets: Tensor) -> bool:
    """Whether a call from train mode runs the dropout or batch norm in eval mode (on a copy)."""
    torch.manual_seed(STEP_SEED)
    return step_in_eval_mode(target, model, make_optimizer(target, model), inputs, targets)[1]


def _clean_grads(
    target: Target, snapshot: nn.Module, inputs: Tensor, targets: Tensor
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


def _measure(target: Target, model: nn.Module, inputs: Tensor, targets: Tensor) -> float:
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


def _result(
    clears: bool | None, updates: bool, losses: list[float], in_eval: bool = False
) -> ProbeResult:
    falls = len(losses) >= 2 and math.isfinite(losses[-1]) and losses[-1] < losses[0]
    cleared = clears is not False
    facts = {
        "train_step_clears_grad": "yes" if cleared else "no",
        "zero_grad_called": "yes" if cleared else "no",
        "train_step_updates": "yes" if updates and falls else "no",
    }
    if in_eval:
        # Only the wrong case is certain: a step in train mode says nothing of evaluation.
        facts["mode_switching"] = "missing"
    values: dict[str, float | int | str | bool | None] = {
        "calls": len(losses),
        "first_loss": losses[0] if losses and math.isfinite(losses[0]) else None,
        "last_loss": losses[-1] if losses and math.isfinite(losses[-1]) else None,
        "parameters_changed": updates,
        "runs_in_eval_mode": in_eval,
    }
    problems = []
    if not cleared:
        problems.append(
            "Gradients pile up from one call of your train_step to the next: call "
            "optimizer.zero_grad() in every step."
        )
    if not updates:
        problems.append(
            "Your train_step leaves the parameters unchanged: check that it calls "
            "optimizer.step() and that the optimizer holds the model's parameters."
        )
    elif not falls:
        problems.append(
            f"The loss on a fixed batch did not fall over {len(losses)} calls of your "
            f"train_step ({_text(losses[0])} to {_text(losses[-1])})."
        )
    if in_eval:
        problems.append(EVAL_MODE_PROBLEM)
    series = [
        Series(
            name="train_step loss",
            x_label="call",
            y_label="loss",
            x=[float(i) for i, v in enumerate(losses) if math.isfinite(v)],
            y=[v for v in losses if math.isfinite(v)],
        )
    ]
    if problems:
        return ProbeResult(
            id=PROBE_ID,
            status="fail",
            facts=facts,
            values=values,
            series=series,
            finding=" ".join(problems),
        )
    return ProbeResult(
        id=PROBE_ID,
        status="pass",
        facts=facts,
        values=values,
        series=series,
        finding=f"Your train_step clears gradients, updates the weights, and lowers the loss "
        f"on a fixed batch from {_text(losses[0])} to {_text(losses[-1])} in {len(losses)} calls.",
    )


def _text(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "NaN"
