"""Turn a ``Recording`` into facts with evidence: measure, judge against thresholds, word.

The thresholds live here as named data; ``measure`` returns numbers, ``judge`` the facts and
the faults it names, ``word`` the finding's sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from probes.data.errors import DataError
from probes.data.trend import loss_trend
from probes.model.common import ADAPTIVE_OPTIMIZERS
from probes.model.lr_range import learning_rate_bucket
from probes.result import Measured, ProbeResult, ProbeStatus, Series
from probes.target import format_lr
from probes.verdict import Verdict
from probes.watch.hooks import ELEMENTWISE
from probes.watch.recording import Forward, ModelInfo, Recording

PROBE_ID = "watch"
#: A learning rate that falls below this share of where it started has collapsed ...
COLLAPSED = 0.01
#: ... or that, falling at the rate seen, would be below COLLAPSED_SOON of it after
#: PROJECTED_STEPS steps (a few epochs): a per-epoch schedule stepped every batch.
COLLAPSED_SOON, PROJECTED_STEPS = 1e-3, 1000
#: Fewer losses than this give no trend.
MIN_TREND_STEPS = 5
#: Shown at most this many times in a finding: names of layers, warnings.
SHOWN = 3

#: The cases ``judge`` names, each a fault in the loop, in the order the finding says them.
CRASHED, NONFINITE, GRADS_PILE_UP, LR_COLLAPSES, BROADCAST, EVAL_MODE, NOT_TRAINED = (
    "crashed",
    "nonfinite",
    "grads_pile_up",
    "lr_collapses",
    "broadcast",
    "eval_mode",
    "not_trained",
)


@dataclass
class Observations:
    """The numbers a recording gives."""

    steps: int
    losses: list[float]
    lrs: list[list[float]]
    """The learning rate of every parameter group of the main optimizer, per step."""
    optimizer: str | None
    initial_lr: float | None
    stale: list[bool]
    broadcast: list[str]
    """"prediction (32, 1) against target (32,)" for each elementwise loss call that
    broadcasts."""
    size_warnings: list[str]
    warnings: list[str]
    nonfinite: list[str]
    first_nonfinite_step: int | None
    trained_in_eval: bool
    autocast: bool
    no_grad_needed: list[str]
    """Parameters that do not require grad."""
    outside_optimizer: list[str]
    """Parameters that require grad but are in no optimizer."""
    never_changed: list[str]
    """Parameters in an optimizer that ended the watch as they started."""
    models: list[str]
    main_model: str | None
    validation_forwards: int
    workers: int
    batch: str | None
    """Shapes and dtypes of the first batch as it reached the model and the loss."""
    ranges: str | None
    error: str | None = None
    stopped: str = ""
    extra: dict[str, Measured] = field(default_factory=dict)


def measure(
    recording: Recording, main: ModelInfo | None, error: str | None = None, stopped: str = ""
) -> Observations:
    main_optimizer = _optimizer_of(recording, main)
    steps = [s for s in recording.steps if s.optimizer == main_optimizer]
    info = recording.optimizers[main_optimizer] if recording.optimizers else None
    lr = info.settings.get("lr") if info is not None else None
    training_calls = [c for c in recording.losses if c.training]
    return Observations(
        steps=recording.step_count,
        losses=[s.loss for s in steps if s.loss is not None],
        lrs=[s.lrs for s in steps],
        optimizer=info.name if info is not None else None,
        initial_lr=float(lr) if isinstance(lr, (int, float, torch.Tensor)) else None,
        stale=list(recording.stale_grads),
        broadcast=[
            f"prediction {_shape(c.prediction_shape)} against target {_shape(c.target_shape)}"
            for c in training_calls
            if c.kind in ELEMENTWISE and c.prediction_shape != c.target_shape
        ],
        size_warnings=[w for w in recording.warnings if "target size" in w.lower()],
        warnings=list(recording.warnings),
        nonfinite=list(recording.nonfinite),
        first_nonfinite_step=recording.first_nonfinite_step,
        trained_in_eval=any(
            f.sensitive_in_eval for f in recording.forwards if f.grad_enabled and f.step >= 0
        ),
        autocast=any(
            f.autocast or f.input_dtype in ("float16", "bfloat16") for f in recording.forwards
        ),
        no_grad_needed=_names(main, lambda p: not p.requires_grad),
        outside_optimizer=_outside(recording, main),
        never_changed=_never_changed(recording, main),
        models=[m.name for m in recording.models],
        main_model=main.name if main is not None else None,
        validation_forwards=recording.validation_forwards,
        workers=recording.workers,
        batch=_batch_text(recording, main),
        ranges=_ranges_text(recording, main),
        error=error,
        stopped=stopped,
    )


def judge(seen: Observations) -> Verdict:
    facts: dict[str, str] = {}
    faults: list[str] = []
    if seen.error is not None:
        faults.append(CRASHED)
    elif seen.steps:
        facts["crash"] = "none"
    if seen.nonfinite:
        facts["nonfinite_values"] = "yes"
        onset = seen.first_nonfinite_step or 1
        facts["nan_onset"] = "first_steps" if onset <= 2 else "later"
        faults.append(NONFINITE)
    elif seen.steps:
        facts["nonfinite_values"] = "no"
    trend = _trend(seen.losses)
    if trend is not None:
        facts["loss_trend"] = trend
    if seen.stale:
        piled = sum(seen.stale) * 2 >= len(seen.stale)
        facts["zero_grad_called"] = "no" if piled else "yes"
        facts["train_step_clears_grad"] = "no" if piled else "yes"
        if piled:
            faults.append(GRADS_PILE_UP)
    collapse = lr_collapses(seen.lrs)
    if collapse is not None:
        facts["lr_collapses"] = "yes" if collapse else "no"
        if collapse:
            faults.append(LR_COLLAPSES)
    if seen.initial_lr is not None and seen.optimizer is not None:
        adaptive = seen.optimizer in ADAPTIVE_OPTIMIZERS
        facts["learning_rate"] = learning_rate_bucket(seen.initial_lr, adaptive)
        facts["optimizer"] = _optimizer_fact(seen.optimizer)
    if seen.steps:
        facts["broadcast_mismatch"] = "yes" if seen.broadcast else "no"
        facts["shape_warning"] = "yes" if seen.size_warnings else "no"
        if seen.broadcast or seen.size_warnings:
            faults.append(BROADCAST)
        facts["mixed_precision"] = "yes" if seen.autocast else "no"
    if seen.trained_in_eval:
        # Only the wrong case is certain: training in train mode says nothing of evaluation.
        facts["mode_switching"] = "missing"
        faults.append(EVAL_MODE)
    if seen.steps:
        facts["trained_in_eval_mode"] = "yes" if seen.trained_in_eval else "no"
    if seen.steps and seen.main_model is not None:
        left_out = seen.no_grad_needed or seen.outside_optimizer
        facts["frozen_layers"] = "yes" if left_out else "no"
        facts["params_without_grad"] = "yes" if left_out or seen.never_changed else "no"
        if seen.never_changed and not left_out:
            faults.append(NOT_TRAINED)
    status: ProbeStatus = "fail" if faults else ("pass" if seen.steps else "warn")
    return Verdict(status, facts, tuple(faults))


def lr_collapses(lrs: list[list[float]]) -> bool | None:
    """Whether a group's learning rate collapses over the steps seen; None with too few."""
    if len(lrs) < 3:
        return None
    for group in range(len(lrs[0])):
        series = [step[group] for step in lrs if group < len(step)]
        first, lowest, last = series[0], min(series), series[-1]
        if first <= 0:
            continue
        if lowest / first < COLLAPSED:
            return True
        if last < first:
            rate = (last / first) ** (1 / (len(series) - 1))
            if rate > 0 and PROJECTED_STEPS * math.log10(rate) < math.log10(COLLAPSED_SOON):
                return True
    return False


def word(seen: Observations, verdict: Verdict) -> str:
    if seen.error is not None:
        after = f"after {_count(seen.steps)}" if seen.steps else "before any optimizer step"
        head = f"The script stopped with an error {after}: {seen.error}."
    elif not seen.steps:
        return _no_steps(seen)
    else:
        head = f"Watched {_count(seen.steps)} of your training loop{seen.stopped}"
        head += f" ({_models_text(seen)})." if seen.models else "."
    sentences = [head]
    if seen.losses:
        sentences.append(
            f"The loss went from {_num(seen.losses[0])} to {_num(seen.losses[-1])}"
            + (f" ({verdict.facts['loss_trend']})." if "loss_trend" in verdict.facts else ".")
        )
    sentences += [_fault_sentence(case, seen) for case in verdict.cases if case != CRASHED]
    if seen.validation_forwards:
        sentences.append(
            f"It ran the model {_times(seen.validation_forwards)} without gradients (a "
            "validation pass); the batches seen there are the probes' validation data."
        )
    if seen.outside_optimizer:
        sentences.append(f"Parameters in no optimizer: {_list(seen.outside_optimizer)}.")
    if seen.no_grad_needed:
        sentences.append(f"Parameters with requires_grad=False: {_list(seen.no_grad_needed)}.")
    if seen.workers:
        sentences.append(
            f"The DataLoader used {seen.workers} worker processes; unstuck watched the main "
            "process only (the model, the loss and the steps run there)."
        )
    if seen.batch:
        sentences.append(seen.batch)
    return " ".join(sentences)


def result(seen: Observations, verdict: Verdict) -> ProbeResult:
    lr_first = seen.lrs[0][0] if seen.lrs and seen.lrs[0] else None
    lr_last = seen.lrs[-1][0] if seen.lrs and seen.lrs[-1] else None
    values: dict[str, Measured] = {
        "steps": seen.steps,
        "models": ", ".join(seen.models) or None,
        "watched_model": seen.main_model,
        "optimizer": seen.optimizer,
        "first_loss": _finite(seen.losses[0]) if seen.losses else None,
        "last_loss": _finite(seen.losses[-1]) if seen.losses else None,
        "first_lr": lr_first,
        "last_lr": lr_last,
        "validation_forwards": seen.validation_forwards,
        "dataloader_workers": seen.workers,
        "batch": seen.batch,
        "ranges": seen.ranges,
        "warnings": " | ".join(seen.warnings[:SHOWN]) or None,
        "first_nonfinite": seen.nonfinite[0] if seen.nonfinite else None,
        **seen.extra,
    }
    series = []
    losses = Series.finite("training loss per step", seen.losses, first=1)
    if losses.x:
        series.append(losses)
    if seen.lrs:
        series.append(
            Series(
                name="learning rate per step",
                x_label="step",
                y_label="learning rate",
                x=[float(i + 1) for i in range(len(seen.lrs))],
                y=[step[0] for step in seen.lrs],
            )
        )
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status if seen.error is None else "error",
        facts=verdict.facts,
        values=values,
        finding=word(seen, verdict),
        series=series,
        error=seen.error,
    )


# --- the sentences ---------------------------------------------------------------------------
def _fault_sentence(case: str, seen: Observations) -> str:
    if case == NONFINITE:
        return f"NaN or inf showed first in {seen.nonfinite[0]}."
    if case == GRADS_PILE_UP:
        piled = sum(seen.stale)
        return (
            f"Gradients were not cleared between optimizer steps ({piled} of {len(seen.stale)} "
            "steps started from the previous step's gradients): call optimizer.zero_grad() "
            "once per step (with accumulation, once per accumulated step)."
        )
    if case == LR_COLLAPSES:
        first, last = seen.lrs[0][0], min(step[0] for step in seen.lrs)
        return (
            f"The learning rate fell from {format_lr(first)} to {format_lr(last)} within "
            f"{len(seen.lrs)} steps: a scheduler meant per epoch seems to be stepped every "
            "batch. Call scheduler.step() once per epoch, or size it in batches."
        )
    if case == BROADCAST:
        shapes = seen.broadcast[0] if seen.broadcast else seen.size_warnings[0]
        return (
            f"The loss compared {shapes}: the shapes differ and broadcast silently. Make the "
            "prediction and the target the same shape (squeeze or unsqueeze the right axis)."
        )
    if case == EVAL_MODE:
        return (
            "The model trained in eval mode (its dropout or batch norm ran as in evaluation): "
            "call model.train() before the training loop and after each validation pass."
        )
    if case == NOT_TRAINED:
        names = _list(seen.never_changed)
        return f"These parameters never changed although the optimizer stepped: {names}."
    return ""


def _no_steps(seen: Observations) -> str:
    if seen.models:
        seen_text = (
            f"it called {', '.join(seen.models)} {_times(seen.validation_forwards)}, without "
            "gradients"
        )
    else:
        seen_text = "no model with parameters was called"
    if "--seconds" in seen.stopped:
        return (
            f"The script never reached an optimizer step: it was{seen.stopped.removeprefix(',')}"
            f" ({seen_text}). It hangs there, or needs longer than that to start training: "
            "raise --seconds, or make its start-up (data loading) quicker for the check."
        )
    return (
        f"The script ended without calling an optimizer step: {seen_text}. unstuck watches "
        "the training loop; make sure the script reaches optimizer.step() when run as a "
        "script (check its arguments and its __main__ guard)."
    )


def _models_text(seen: Observations) -> str:
    if len(seen.models) == 1:
        return f"watching {seen.models[0]}"
    others = [m for m in seen.models if m != seen.main_model]
    return (
        f"{len(seen.models)} models; the probes use {seen.main_model}, whose output reaches "
        f"the loss, and not {', '.join(others)}"
    )


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _count(steps: int) -> str:
    return f"{steps} optimizer step" + ("" if steps == 1 else "s")


def _list(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _num(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "NaN"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# --- measuring helpers -----------------------------------------------------------------------
def _trend(losses: list[float]) -> str | None:
    if len(losses) < MIN_TREND_STEPS:
        return None
    try:
        return loss_trend(losses).value
    except DataError:
        return None


def _optimizer_of(recording: Recording, main: ModelInfo | None) -> int:
    if main is not None:
        ids = {id(p) for p in main.module.parameters()}
        for index, info in enumerate(recording.optimizers):
            if ids & info.parameter_ids:
                return index
    return 0


def _optimizer_fact(name: str) -> str:
    if name == "SGD":
        return "sgd"
    return "adam" if name in ("Adam", "AdamW") else "other"


def _names(main: ModelInfo | None, keep: object) -> list[str]:
    if main is None:
        return []
    return [name for name, p in main.module.named_parameters() if keep(p)]  # type: ignore[operator]


def _outside(recording: Recording, main: ModelInfo | None) -> list[str]:
    if main is None or not recording.optimizers:
        return []
    stepped = set().union(*(info.parameter_ids for info in recording.optimizers))
    return [
        name
        for name, p in main.module.named_parameters()
        if p.requires_grad and id(p) not in stepped
    ]


def _never_changed(recording: Recording, main: ModelInfo | None) -> list[str]:
    if main is None or main.initial is None or not recording.steps:
        return []
    stepped = set().union(*(info.parameter_ids for info in recording.optimizers))
    before = dict(main.initial.named_parameters())
    unchanged = []
    for name, p in main.module.named_parameters():
        watched = id(p) in stepped and p.requires_grad and name in before
        if watched and torch.equal(before[name].detach().cpu(), p.detach().cpu()):
            unchanged.append(name)
    return unchanged


def _main_forward(recording: Recording, main: ModelInfo | None) -> Forward | None:
    name = main.name if main is not None else None
    return next((f for f in recording.forwards if f.grad_enabled and name in (None, f.model)), None)


def _batch_text(recording: Recording, main: ModelInfo | None) -> str | None:
    forward = _main_forward(recording, main)
    call = next((c for c in recording.losses if c.training), None)
    parts = []
    if forward is not None and forward.input_shape is not None:
        parts.append(
            f"inputs reached {forward.model} as {forward.input_dtype} {_shape(forward.input_shape)}"
        )
    if call is not None:
        parts.append(
            f"the loss ({call.kind}) got predictions {call.prediction_dtype} "
            f"{_shape(call.prediction_shape)} and targets {call.target_dtype} "
            f"{_shape(call.target_shape)}"
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _ranges_text(recording: Recording, main: ModelInfo | None) -> str | None:
    forward = _main_forward(recording, main)
    call = next((c for c in recording.losses if c.training), None)
    parts = []
    if forward is not None and forward.input_min is not None:
        parts.append(f"inputs in [{forward.input_min:.3g}, {forward.input_max:.3g}]")
    if call is not None and call.target_min is not None:
        parts.append(f"targets in [{call.target_min:.3g}, {call.target_max:.3g}]")
    return ", ".join(parts) or None
