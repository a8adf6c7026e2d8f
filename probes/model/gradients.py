"""gradients: one backward pass and one optimizer step.

Finds parameters that get no gradient (frozen, detached, or never handed to the optimizer) and
layers kept in a plain Python list, tuple or dict (never registered, so never trained), compares
gradient norms from the first layer to the last (vanishing or exploding), and measures how much
one step moves the weights against their size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.model.common import (
    Reporter,
    compute_loss,
    forward,
    fresh_model,
    make_optimizer,
    sample,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult, Series
from probes.target import Target
from probes.verdict import Verdict

PROBE_ID = "gradients"
BATCH = 64
#: AUTOTRAINER: vanishing when first/last < 1e-3 and the first layer's norm < 1e-4.
VANISHING_RATIO = 1e-3
VANISHING_NORM = 1e-4
#: AUTOTRAINER: exploding when first/last > 70; or any layer's norm beyond this.
EXPLODING_RATIO = 70.0
EXPLODING_NORM = 1e3
#: DeepDiagnosis: a healthy update moves the weights by [1e-5, 1e-1] of their size.
UPDATE_LOW = 1e-5
UPDATE_HIGH = 1e-1


def gradients(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    loss = training_loss(target)
    model, device = fresh_model(target)
    model.train()
    optimizer = make_optimizer(target, model)
    inputs, targets = sample(target, BATCH, device)
    report(0.2, "one backward pass")
    optimizer.zero_grad(set_to_none=True)
    value = compute_loss(loss, forward(model, inputs), targets)
    value.backward()  # type: ignore[no-untyped-call]
    named = list(model.named_parameters())
    norms = _layer_norms(named)
    missing = _missing(named, optimizer)
    missing["unregistered"] = unregistered_layers(model)
    before = {name: p.detach().clone() for name, p in named}
    report(0.6, "one optimizer step")
    optimizer.step()
    ratios = _update_ratios(named, before)
    report(1.0, "done")
    step = GradientStep(norms=norms, missing=missing, ratios=ratios, loss=float(value.detach()))
    return _result(step, judge(step))


@dataclass(frozen=True)
class GradientStep:
    """What one backward pass and one optimizer step measured."""

    norms: list[tuple[str, float]]
    """Gradient norm of every weight (2 or more dimensions), in the model's order."""
    missing: dict[str, list[str]]
    """Parameter names by what keeps them from training: ``frozen``, ``no_grad``,
    ``not_in_optimizer``, ``unregistered`` (layers in plain containers)."""
    ratios: dict[str, float]
    """How far the step moved each weight, over its size."""
    loss: float

    @property
    def norm_values(self) -> list[float]:
        return [n for _, n in self.norms]

    @property
    def first_last_ratio(self) -> float | None:
        """The first weight's gradient norm over the last's. None without a last above zero,
        and for a lone weight unless its gradient has blown up (then it is 1)."""
        if not self.norms:
            return None
        first, last = self.norms[0][1], self.norms[-1][1]
        if not last > 0 or not (len(self.norms) >= 2 or _blown_up(self.norm_values)):
            return None
        return first / last

    @property
    def median_update(self) -> float | None:
        """The median of the finite update ratios (the upper one of an even count)."""
        finite = sorted(v for v in self.ratios.values() if math.isfinite(v))
        return finite[len(finite) // 2] if finite else None


def _layer_norms(named: list[tuple[str, nn.Parameter]]) -> list[tuple[str, float]]:
    """Gradient norm of every weight (2 or more dimensions), in the model's order."""
    return [
        (name, float(p.grad.detach().float().norm()))
        for name, p in named
        if p.ndim >= 2 and p.grad is not None
    ]


def _missing(
    named: list[tuple[str, nn.Parameter]], optimizer: torch.optim.Optimizer
) -> dict[str, list[str]]:
    in_optimizer = {id(p) for group in optimizer.param_groups for p in group["params"]}
    return {
        "frozen": [n for n, p in named if not p.requires_grad],
        "no_grad": [n for n, p in named if p.requires_grad and p.grad is None],
        "not_in_optimizer": [n for n, p in named if p.requires_grad and id(p) not in in_optimizer],
    }


def unregistered_layers(model: nn.Module) -> list[str]:
    """Attributes that hold layers in a plain list, tuple or dict, with how many layers.

    PyTorch registers a layer only when it is assigned to a module directly or held in an
    nn.ModuleList or nn.ModuleDict. Layers in ordinary containers still run in forward(), but
    their weights are not in model.parameters(): no optimizer sees them, .to(device) does not
    move them, and state_dict() does not save them.
    """
    found = []
    for prefix, module in model.named_modules():
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or not isinstance(value, list | tuple | dict):
                continue
            items = value.values() if isinstance(value, dict) else value
            count = sum(
                1
                for item in items
                if isinstance(item, nn.Module) and next(item.parameters(), None) is not None
            )
            if count:
                name = f"{prefix}.{attribute}" if prefix else attribute
                found.append(f"{name} ({count} layer{'s' if count > 1 else ''} with weights)")
    return found


def _update_ratios(
    named: list[tuple[str, nn.Parameter]], before: dict[str, Tensor]
) -> dict[str, float]:
    ratios = {}
    for name, p in named:
        old = before[name]
        size = float(old.float().norm())
        if p.ndim >= 2 and p.requires_grad and size > 0:
            ratios[name] = float((p.detach() - old).float().norm()) / size
    return ratios


# --- judging and wording ------------------------------------------------------------------
#: The cases ``judge`` names: faults first (in the order the finding says them), else the one
#: warning or the healthy case.
UNREGISTERED, NO_GRAD, NOT_IN_OPTIMIZER = "unregistered", "no_grad", "not_in_optimizer"
NONFINITE, ALL_ZERO, VANISHING, EXPLODING = "nonfinite", "all_zero", "vanishing", "exploding"
UPDATE_TINY, UPDATE_HUGE, FROZEN, HEALTHY = "update_tiny", "update_huge", "frozen", "healthy"


def _blown_up(norms: list[float]) -> bool:
    return not all(math.isfinite(v) for v in norms) or max(norms) > EXPLODING_NORM


def judge_flow(step: GradientStep) -> str:
    """healthy, vanishing or exploding, from the first and last weights' gradient norms."""
    values = step.norm_values
    if not values:
        return "healthy"
    if _blown_up(values):
        return "exploding"
    ratio = step.first_last_ratio
    if ratio is None:
        return "healthy"
    if ratio < VANISHING_RATIO and values[0] < VANISHING_NORM:
        return "vanishing"
    if ratio > EXPLODING_RATIO:
        return "exploding"
    return "healthy"


def judge_update(median: float | None) -> str | None:
    """tiny, huge or healthy: how far one step moves the weights; None when nothing moved."""
    if median is None:
        return None
    if median < UPDATE_LOW:
        return "tiny"
    if median > UPDATE_HIGH:
        return "huge"
    return "healthy"


def judge(step: GradientStep) -> Verdict:
    missing = step.missing
    flow, update = judge_flow(step), judge_update(step.median_update)
    no_grad = missing["no_grad"] + missing["not_in_optimizer"] + missing["unregistered"]
    facts = {
        "gradient_flow": flow,
        "params_without_grad": "yes" if no_grad else "no",
        "frozen_layers": "yes" if _frozen(step) else "no",
    }
    if update is not None and not _all_zero(step):
        # with no gradient at all, a step that moves nothing says nothing of the learning rate
        facts["update_ratio"] = update
    faults = _faults(step, flow, update)
    if faults:
        return Verdict("fail", facts, faults)
    if missing["frozen"]:
        return Verdict("warn", facts, (FROZEN,))
    return Verdict("pass", facts, (HEALTHY,))


def _all_zero(step: GradientStep) -> bool:
    values = step.norm_values
    return bool(values) and all(math.isfinite(v) for v in values) and max(values) == 0


def _frozen(step: GradientStep) -> list[str]:
    missing = step.missing
    return missing["frozen"] + missing["not_in_optimizer"] + missing["unregistered"]


def _faults(step: GradientStep, flow: str, update: str | None) -> tuple[str, ...]:
    faults = [case for case in (UNREGISTERED, NO_GRAD, NOT_IN_OPTIMIZER) if step.missing[case]]
    values = step.norm_values
    if values and not all(math.isfinite(v) for v in values):
        return (*faults, NONFINITE)
    if values and max(values) == 0:
        return (*faults, ALL_ZERO)
    if flow in (VANISHING, EXPLODING):
        faults.append(flow)
    if update in ("tiny", "huge"):
        faults.append(f"update_{update}")
    return tuple(faults)


def word(step: GradientStep, verdict: Verdict) -> str:
    return " ".join(_sentence(step, case) for case in verdict.cases)


def _sentence(step: GradientStep, case: str) -> str:
    missing, norms, ratio = step.missing, step.norms, step.first_last_ratio
    if case == UNREGISTERED:
        return (
            "Layers kept in a plain Python list, tuple or dict are not part of the model, so no "
            f"optimizer ever updates them: {_names(missing['unregistered'])}. Hold them in "
            "nn.ModuleList or nn.ModuleDict."
        )
    if case == NO_GRAD:
        return (
            f"These parameters get no gradient (unused or cut off with detach()): "
            f"{_names(missing['no_grad'])}."
        )
    if case == NOT_IN_OPTIMIZER:
        return (
            f"These parameters are never handed to the optimizer: "
            f"{_names(missing['not_in_optimizer'])}."
        )
    if case == NONFINITE:
        return "The gradients hold NaN or inf."
    if case == ALL_ZERO:
        return (
            "Every weight's gradient is exactly zero: the loss does not depend on the weights "
            "(dead units, or an output that cannot change)."
        )
    if case == VANISHING:
        return (
            f"Gradients vanish: the first layer's norm is {norms[0][1]:.2g}, "
            f"{ratio:.2g} of the last layer's."
        )
    if case == EXPLODING:
        biggest = max(norms, key=lambda item: item[1])
        return f"Gradients explode: the largest norm is {biggest[1]:.3g} in '{biggest[0]}'" + (
            f", and the first layer's is {ratio:.3g} times the last's." if ratio else "."
        )
    if case in (UPDATE_TINY, UPDATE_HUGE):
        size = "small" if case == UPDATE_TINY else "large"
        return (
            f"One step moves the weights by {step.median_update:.2g} of their size (healthy: "
            f"1e-5 to 1e-1): the learning rate looks too {size}."
        )
    if case == FROZEN:
        return f"Some parameters are frozen (requires_grad False): {_names(_frozen(step))}."
    return _healthy(norms, step.median_update)


def _result(step: GradientStep, verdict: Verdict) -> ProbeResult:
    missing, norms = step.missing, step.norms
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values={
            "loss": step.loss if math.isfinite(step.loss) else None,
            "first_last_ratio": step.first_last_ratio,
            "update_ratio": step.median_update,
            "first_layer_norm": norms[0][1] if norms else None,
            "last_layer_norm": norms[-1][1] if norms else None,
            "frozen": ", ".join(missing["frozen"]) or None,
            "no_grad": ", ".join(missing["no_grad"]) or None,
            "not_in_optimizer": ", ".join(missing["not_in_optimizer"]) or None,
            "unregistered": ", ".join(missing["unregistered"]) or None,
        },
        finding=word(step, verdict),
        series=[
            Series(
                name="gradient norm",
                x_label="layer",
                y_label="gradient norm",
                x=[float(i) for i in range(len(norms))],
                y=step.norm_values,
            )
        ],
    )


def _healthy(norms: list[tuple[str, float]], median: float | None) -> str:
    if not norms:
        return "Every parameter gets a gradient."
    text = (
        f"Gradients reach all {len(norms)} layers (norms from {min(n for _, n in norms):.2g} "
        f"to {max(n for _, n in norms):.2g})"
    )
    if median is not None:
        text += f", and one step moves the weights by {median:.2g} of their size"
    return text + "."


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:6])
    return shown + (f" and {len(names) - 6} more" if len(names) > 6 else "")
