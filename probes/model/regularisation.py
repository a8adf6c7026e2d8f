"""regularisation: how strongly the model and optimizer, as built, hold the weights back.

Reads the settings off a fresh model and the user's optimizer: the probability of every dropout
layer, and the weight decay of every parameter group (decoupled, as in AdamW, or added to the
gradient). Each is judged by the same levels as a setting read from code or words
(``knowledge/thresholds.yaml``), so ``regularisation`` means one thing whichever way it is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from knowledge.loader import bundled
from knowledge.schema import RegularisationLevels
from knowledge.types import Regulariser, Value
from probes.model.common import Reporter, fresh_model, make_optimizer
from probes.progress import ProgressFn
from probes.result import Measured, ProbeResult
from probes.target import Target
from probes.verdict import Verdict

PROBE_ID = "regularisation"
DROPOUT_LAYERS = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)


@dataclass(frozen=True)
class Setting:
    """One regularisation setting found on the model or the optimizer."""

    kind: Regulariser
    value: float
    where: str
    """The module's name, or the optimizer and its parameter group."""


def regularisation(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    model, _ = fresh_model(target)
    optimizer = make_optimizer(target, model)
    report(0.5, "reading dropout and weight decay")
    settings = [*dropout_settings(model), *decay_settings(optimizer)]
    verdict = judge(settings, bundled().thresholds.regularisation)
    report(1.0, "done")
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values=_values(settings),
        finding=word(settings, verdict),
    )


# --- measuring --------------------------------------------------------------------------------
def dropout_settings(model: nn.Module) -> list[Setting]:
    return [
        Setting("dropout", float(module.p), _layer_name(name, module))
        for name, module in model.named_modules()
        if isinstance(module, DROPOUT_LAYERS) and module.p > 0
    ]


def _layer_name(name: str, module: nn.Module) -> str:
    if not name:
        return type(module).__name__
    # nn.Sequential names its layers by position: "2" reads better as "layer 2"
    return f"layer {name}" if name.replace(".", "").isdigit() else name


def decay_settings(optimizer: torch.optim.Optimizer) -> list[Setting]:
    """The weight decay of each parameter group that holds parameters and decays them."""
    name = type(optimizer).__name__
    settings = []
    for index, group in enumerate(optimizer.param_groups):
        decay = float(group.get("weight_decay", 0.0) or 0.0)
        if decay > 0 and group["params"]:
            where = name if len(optimizer.param_groups) == 1 else f"{name} group {index}"
            settings.append(Setting(_decay_kind(optimizer, group), decay, where))
    return settings


def _decay_kind(optimizer: torch.optim.Optimizer, group: dict[str, object]) -> Regulariser:
    # AdamW's decay (and Adam's with decoupled_weight_decay) shrinks the weights directly,
    # scaled by the learning rate: its usual values are far larger than an L2 term's
    decoupled = isinstance(optimizer, torch.optim.AdamW) or bool(
        group.get("decoupled_weight_decay", False)
    )
    return "decoupled_weight_decay" if decoupled else "weight_decay"


# --- judging ----------------------------------------------------------------------------------
#: The cases ``judge`` names: no setting at all, only usual ones, at least one strong one.
NONE, MODERATE, STRONG = "none", "moderate", "strong"


def judge(settings: list[Setting], levels: RegularisationLevels) -> Verdict:
    found = {levels.level(s.kind, s.value) for s in settings}
    level: Value = STRONG if STRONG in found else MODERATE if MODERATE in found else NONE
    return Verdict("warn" if level == STRONG else "pass", {"regularisation": level}, (level,))


def strong_settings(settings: list[Setting], levels: RegularisationLevels) -> list[Setting]:
    return [s for s in settings if levels.level(s.kind, s.value) == STRONG]


# --- wording ----------------------------------------------------------------------------------
_KIND_WORDS: dict[Regulariser, str] = {
    "dropout": "dropout",
    "weight_decay": "weight decay",
    "decoupled_weight_decay": "decoupled weight decay",
    "l2_penalty": "an L2 penalty",
}


def _describe(setting: Setting) -> str:
    return f"{_KIND_WORDS[setting.kind]} {setting.value:g} ({setting.where})"


def word(settings: list[Setting], verdict: Verdict) -> str:
    case = verdict.cases[0]
    if case == NONE:
        return "The model has no dropout and the optimizer no weight decay."
    listed = ", ".join(_describe(s) for s in settings)
    if case == MODERATE:
        return f"Regularisation is at usual strengths: {listed}."
    strong = strong_settings(settings, bundled().thresholds.regularisation)
    return (
        f"Regularisation is strong: {', '.join(_describe(s) for s in strong)}. So much can keep "
        "the model from fitting even the training data; turn it off, check that the training "
        "loss falls, then bring it back gradually (dropout 0.1 to 0.3, weight decay 1e-4 to "
        "1e-2)."
    )


def _values(settings: list[Setting]) -> dict[str, Measured]:
    dropouts = [s.value for s in settings if s.kind == "dropout"]
    decays = [s.value for s in settings if s.kind != "dropout"]
    return {
        "dropout_layers": len(dropouts),
        "largest_dropout": max(dropouts, default=0.0),
        "largest_weight_decay": max(decays, default=0.0),
    }
