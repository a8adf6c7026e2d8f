"""gradients: one backward pass and one optimizer step.

Finds parameters that get no gradient (frozen, detached, or never handed to the optimizer) and
layers kept in a plain Python list, tuple or dict (never registered, so never trained), compares
gradient norms from the first layer to the last (vanishing or exploding), and measures how much
one step moves the weights against their size.
"""

from __future__ import annotations

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
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult, Series
from probes.target import Target

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
    return _result(norms, missing, ratios, float(value.detach()))


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


def _flow(norms: list[tuple[str, float]]) -> tuple[str, float | None]:
    if not norms:
        return "healthy", None
    first, last = norms[0][1], norms[-1][1]
    values = [n for _, n in norms]
    if not all(math.isfinite(v) for v in values) or max(values) > EXPLODING_NORM:
        return "exploding", (first / last if last > 0 else None)
    if len(norms) < 2 or last == 0:
        return "healthy", None
    ratio = first / last
    if ratio < VANISHING_RATIO and first < VANISHING_NORM:
        return "vanishing", ratio
    if ratio > EXPLODING_RATIO:
        return "exploding", ratio
    return "healthy", ratio


def _update_verdict(ratios: dict[str, float]) -> tuple[str | None, float | None]:
    finite = sorted(v for v in ratios.values() if math.isfinite(v))
    if not finite:
        return None, None
    median = finite[len(finite) // 2]
    if median < UPDATE_LOW:
        return "tiny", median
    if median > UPDATE_HIGH:
        return "huge", median
    return "healthy", median


# --- the result ---------------------------------------------------------------------------
def _result(
    norms: list[tuple[str, float]],
    missing: dict[str, list[str]],
    ratios: dict[str, float],
    loss: float,
) -> ProbeResult:
    flow, ratio = _flow(norms)
    update, median = _update_verdict(ratios)
    no_grad = missing["no_grad"] + missing["not_in_optimizer"] + missing["unregistered"]
    frozen = missing["frozen"] + missing["not_in_optimizer"] + missing["unregistered"]
    facts = {
        "gradient_flow": flow,
        "params_without_grad": "yes" if no_grad else "no",
        "frozen_layers": "yes" if frozen else "no",
    }
    if update is not None:
        facts["update_ratio"] = update
    values: dict[str, float | int | str | bool | None] = {
        "loss": loss if math.isfinite(loss) else None,
        "first_last_ratio": ratio,
        "update_ratio": median,
        "first_layer_norm": norms[0][1] if norms else None,
        "last_layer_norm": norms[-1][1] if norms else None,
        "frozen": ", ".join(missing["frozen"]) or None,
        "no_grad": ", ".join(missing["no_grad"]) or None,
        "not_in_optimizer": ", ".join(missing["not_in_optimizer"]) or None,
        "unregistered": ", ".join(missing["unregistered"]) or None,
    }
    problems = _problems(norms, missing, flow, ratio, update, median)
    series = [
        Series(
            name="gradient norm",
            x_label="layer",
            y_label="gradient norm",
            x=[float(i) for i in range(len(norms))],
            y=[n for _, n in norms],
        )
    ]
    if problems:
        status = "fail"
    elif missing["frozen"]:
        status = "warn"
        problems = [f"Some parameters are frozen (requires_grad False): {_names(frozen)}."]
    else:
        status = "pass"
        problems = [_healthy(norms, median)]
    return ProbeResult(
        id=PROBE_ID,
        status=status,
        facts=facts,
        values=values,
        finding=" ".join(problems),
        series=series,
    )


def _problems(
    norms: list[tuple[str, float]],
    missing: dict[str, list[str]],
    flow: str,
    ratio: float | None,
    update: str | None,
    median: float | None,
) -> list[str]:
    problems = []
    if missing["unregistered"]:
        problems.append(
            "Layers kept in a plain Python list, tuple or dict are not part of the model, so no "
            f"optimizer ever updates them: {_names(missing['unregistered'])}. Hold them in "
            "nn.ModuleList or nn.ModuleDict."
        )
    if missing["no_grad"]:
        problems.append(
            f"These parameters get no gradient (unused or cut off with detach()): "
            f"{_names(missing['no_grad'])}."
        )
    if missing["not_in_optimizer"]:
        problems.append(
            f"These parameters are never handed to the optimizer: "
            f"{_names(missing['not_in_optimizer'])}."
        )
    values = [n for _, n in norms]
    if values and not all(math.isfinite(v) for v in values):
        problems.append("The gradients hold NaN or inf.")
        return problems
    if values and max(values) == 0:
        problems.append(
            "Every weight's gradient is exactly zero: the loss does not depend on the weights "
            "(dead units, or an output that cannot change)."
        )
        return problems
    if flow == "vanishing":
        problems.append(
            f"Gradients vanish: the first layer's norm is {norms[0][1]:.2g}, "
            f"{ratio:.2g} of the last layer's."
        )
    if flow == "exploding":
        biggest = max(norms, key=lambda item: item[1])
        problems.append(
            f"Gradients explode: the largest norm is {biggest[1]:.3g} in '{biggest[0]}'"
            + (f", and the first layer's is {ratio:.3g} times the last's." if ratio else ".")
        )
    if update == "tiny" and median is not None:
        problems.append(
            f"One step moves the weights by {median:.2g} of their size (healthy: 1e-5 to "
            "1e-1): the learning rate looks too small."
        )
    if update == "huge" and median is not None:
        problems.append(
            f"One step moves the weights by {median:.2g} of their size (healthy: 1e-5 to "
            "1e-1): the learning rate looks too large."
        )
    return problems


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
