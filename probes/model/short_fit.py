"""short_fit: a few seconds of training with the user's settings, and what the curves show.

Trains with the user's optimizer, batch size and own train_step when given, on up to
MAX_TRAIN examples, until TIME_BUDGET or MAX_EPOCHS. After each epoch the loss is measured in
eval mode on fixed training and validation samples. The curve is then classified (flat, slow,
plateau_high, decreasing, diverging, nan, oscillating, negative), the gap between training and
validation judged, train and eval mode compared, and the predictions checked for variety.
"""

from __future__ import annotations

import copy
import itertools
import math

import torch
from torch import Tensor, nn

from probes.model.common import (
    Deadline,
    Reporter,
    chance_loss,
    compute_loss,
    epoch_batches,
    evaluate_loss,
    forward,
    fresh_model,
    make_optimizer,
    step_in_eval_mode,
    training_loss,
)
from probes.model.train_step_check import EVAL_MODE_PROBLEM
from probes.progress import ProgressFn
from probes.result import ProbeResult, Series
from probes.target import Target, loss_kind

PROBE_ID = "short_fit"
TIME_BUDGET = 5.0
MAX_EPOCHS = 30
MIN_EPOCHS = 3
MAX_TRAIN = 4096
EVAL_SAMPLES = 512
#: Relative drop of the training loss below which the curve counts as flat; below SLOW, slow.
FLAT = 0.02
SLOW = 0.10
#: A validation loss this many times the training loss is a large gap, provided that the
#: difference is also a sizeable share (GAP_SHARE) of what a blind guess loses: a ratio alone
#: calls 0.066 against 0.035 on a regression with R² 0.94 a gap.
GAP = 1.5
GAP_SHARE = 0.25
#: Training accuracy this far above validation accuracy is a large gap for a classifier.
ACCURACY_GAP = 0.15
#: Train-mode and eval-mode losses this many times apart are a mode effect.
MODE = 1.5


def short_fit(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    loss = training_loss(target)
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    train_x, train_y = _subset(*target.train_tensors(), MAX_TRAIN, device)
    check_x, check_y = train_x[:EVAL_SAMPLES], train_y[:EVAL_SAMPLES]
    valid = target.valid_tensors()
    valid_x, valid_y = _subset(*valid, EVAL_SAMPLES, device) if valid else (None, None)
    curves: dict[str, list[float]] = {"train": [evaluate_loss(model, loss, check_x, check_y)]}
    if valid_x is not None and valid_y is not None:
        curves["valid"] = [evaluate_loss(model, loss, valid_x, valid_y)]
    steps: list[float] = []
    eval_steps = 0
    deadline = Deadline(TIME_BUDGET)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(MAX_EPOCHS):
        for inputs, targets in epoch_batches(train_x, train_y, target.batch_size, generator):
            value, in_eval = step_in_eval_mode(target, model, optimizer, inputs, targets)
            eval_steps += in_eval
            if target.train_step is None:
                # a user's step may return nothing; the eval-mode curve covers it then
                steps.append(value)
            if not math.isfinite(value) and target.train_step is None:
                break
            if deadline.passed and epoch + 1 >= MIN_EPOCHS:
                break
        curves["train"].append(_safe_eval(model, loss, check_x, check_y))
        if valid_x is not None and valid_y is not None:
            curves["valid"].append(_safe_eval(model, loss, valid_x, valid_y))
        report((epoch + 1) / MAX_EPOCHS, f"epoch {epoch + 1}: loss {curves['train'][-1]:.4g}")
        if deadline.passed or not math.isfinite(curves["train"][-1]):
            break
    sample_x, sample_y = check_x, check_y
    if valid_x is not None and valid_y is not None:
        sample_x, sample_y = valid_x, valid_y
    with torch.no_grad():
        model.eval()
        reference = chance_loss(target, forward(model, check_x), check_y)
    accuracy_gap = None
    if valid_x is not None and valid_y is not None:
        accuracy_gap = _accuracy_gap(target, model, (check_x, check_y), (valid_x, valid_y))
    facts, values = _judge(
        target, model, loss, curves, steps, reference, (sample_x, sample_y), accuracy_gap
    )
    values["steps_in_eval_mode"] = eval_steps
    if eval_steps:
        facts["mode_effect"] = "yes"
    report(1.0, "done")
    return _result(target, facts, values, curves, check_y)


def _subset(
    inputs: Tensor, targets: Tensor, size: int, device: torch.device
) -> tuple[Tensor, Tensor]:
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(0))[:size]
    return inputs[order].to(device), targets[order].to(device)


def _safe_eval(model: nn.Module, loss: object, inputs: Tensor, targets: Tensor) -> float:
    return evaluate_loss(model, loss, inputs, targets)  # type: ignore[arg-type]


# --- judging the curves -----------------------------------------------------------------------
def classify_trend(curve: list[float], steps: list[float], reference: float | None) -> str:
    """flat, slow, plateau_high, decreasing, diverging, nan, oscillating or negative."""
    if not all(math.isfinite(v) for v in curve + steps):
        return "nan"
    if min(curve) < 0:
        return "negative"
    start, end, best = curve[0], curve[-1], min(curve)
    scale = abs(start) or 1.0
    if end > start * 1.5 and end > best * 2:
        return "diverging"
    if _oscillates(curve, steps):
        return "oscillating"
    drop = (start - end) / scale
    if (start - best) / scale < FLAT:
        return "flat"
    if drop < SLOW:
        return "slow"
    if _plateaued(curve) and reference is not None and end > 0.7 * reference:
        return "plateau_high"
    return "decreasing"


def _oscillates(curve: list[float], steps: list[float]) -> bool:
    rises = sum(b > a * 1.05 for a, b in itertools.pairwise(curve))
    if len(curve) >= 5 and rises >= 0.4 * (len(curve) - 1):
        return True
    if len(steps) < 20:
        return False
    tail = steps[len(steps) // 2 :]
    mean = sum(tail) / len(tail)
    spread = (sum((v - mean) ** 2 for v in tail) / len(tail)) ** 0.5
    return mean > 0 and spread > mean and max(tail) > 3 * min(tail) + 1e-12


def _plateaued(curve: list[float]) -> bool:
    if len(curve) < 4:
        return False
    third = curve[-max(len(curve) // 3, 2) :]
    return (third[0] - third[-1]) / (abs(third[0]) or 1.0) < 0.01


def _judge(
    target: Target,
    model: nn.Module,
    loss: object,
    curves: dict[str, list[float]],
    steps: list[float],
    reference: float | None,
    sample: tuple[Tensor, Tensor],
    accuracy_gap: float | None,
) -> tuple[dict[str, str], dict[str, float | int | str | bool | None]]:
    sample_x, sample_y = sample
    trend = classify_trend(curves["train"], steps, reference)
    facts = {"loss_trend": trend}
    values: dict[str, float | int | str | bool | None] = {
        "epochs": len(curves["train"]) - 1,
        "steps": len(steps),
        "start_loss": _finite(curves["train"][0]),
        "end_loss": _finite(curves["train"][-1]),
        "chance_loss": reference,
    }
    if "valid" in curves and all(math.isfinite(c[-1]) for c in curves.values()):
        # a NaN curve says nothing about the gap between training and validation
        facts["train_valid_gap"] = _gap(
            curves["train"][-1], curves["valid"][-1], reference, accuracy_gap
        )
        values["accuracy_gap"] = accuracy_gap
    if "valid" in curves:
        values["valid_loss"] = _finite(curves["valid"][-1])
    if trend != "nan":
        mode = _mode_ratio(model, loss, sample_x, sample_y)
        values["mode_ratio"] = mode
        facts["mode_effect"] = "yes" if mode is not None and mode > MODE else "no"
        facts["constant_predictions"] = "yes" if _constant(target, model, sample_x) else "no"
    return facts, values


def _gap(
    train: float, valid: float, reference: float | None, accuracy_gap: float | None = None
) -> str:
    """large, valid_better or none. The losses' difference counts in units of a blind guess's
    loss (``reference``) where that is known, so a gap that is small next to what the model
    has learnt is no gap; for a classifier a large accuracy gap counts as well."""
    if accuracy_gap is not None and accuracy_gap > ACCURACY_GAP:
        return "large"
    if not (math.isfinite(train) and math.isfinite(valid)):
        return "none"
    scale = reference if reference is not None and reference > 0 else None
    if valid > GAP * train and _sizeable(valid - train, train, scale):
        return "large"
    if valid < train / GAP and _sizeable(train - valid, valid, scale):
        return "valid_better"
    return "none"


def _sizeable(difference: float, smaller: float, scale: float | None) -> bool:
    if scale is None:
        return difference > 0.05 * max(abs(smaller), 1e-12)
    return difference > GAP_SHARE * scale


def _accuracy_gap(
    target: Target, model: nn.Module, train: tuple[Tensor, Tensor], valid: tuple[Tensor, Tensor]
) -> float | None:
    """Training accuracy minus validation accuracy, for single-label classifiers; else None."""
    train_accuracy = _accuracy(target, model, *train)
    valid_accuracy = _accuracy(target, model, *valid)
    if train_accuracy is None or valid_accuracy is None:
        return None
    return train_accuracy - valid_accuracy


def _accuracy(target: Target, model: nn.Module, inputs: Tensor, targets: Tensor) -> float | None:
    if target.task not in ("binary", "multiclass") or len(inputs) == 0:
        return None
    model.eval()
    with torch.no_grad():
        output = forward(model, inputs).float()
    labels = targets.reshape(len(targets), -1)
    if output.ndim == 2 and output.shape[1] > 1 and labels.shape[1] == 1:
        predicted = output.argmax(dim=1)
    elif output.reshape(len(output), -1).shape[1] == 1 and labels.shape[1] == 1:
        threshold = 0.5 if loss_kind(target.loss) == "bce" else 0.0
        predicted = (output.reshape(-1) > threshold).long()
    else:
        return None
    if not bool(torch.isfinite(output).all()):
        return None
    return float((predicted == labels[:, 0].long()).float().mean())


def _mode_ratio(model: nn.Module, loss: object, inputs: Tensor, targets: Tensor) -> float | None:
    """How far apart train and eval mode are: the larger of the losses' ratio and the
    outputs' relative distance (on a copy, so batch-norm statistics stay as they were)."""
    probe = copy.deepcopy(model)
    with torch.no_grad():
        torch.manual_seed(0)
        probe.train()
        in_train = forward(probe, inputs)
        probe.eval()
        in_eval = forward(probe, inputs)
        losses = sorted(
            float(compute_loss(loss, output, targets))  # type: ignore[arg-type]
            for output in (in_train, in_eval)
        )
        distance = float((in_train - in_eval).norm() / (in_eval.norm() + 1e-12))
    if not all(math.isfinite(v) for v in (*losses, distance)) or losses[1] <= 0:
        return None
    return max(losses[1] / max(losses[0], 1e-12), distance)


def _constant(target: Target, model: nn.Module, inputs: Tensor) -> bool:
    model.eval()
    with torch.no_grad():
        output = forward(model, inputs).float()
    if len(output) < 2:
        return False
    if target.task in ("multiclass",) and output.ndim > 1 and output.shape[1] > 1:
        return int(output.argmax(dim=1).unique().numel()) == 1
    spread = output.std(dim=0).max()
    return bool(spread < 1e-4 * (output.abs().mean() + 1e-6)) or bool(spread < 1e-6)


# --- the result ---------------------------------------------------------------------------
def _result(
    target: Target,
    facts: dict[str, str],
    values: dict[str, float | int | str | bool | None],
    curves: dict[str, list[float]],
    labels: Tensor,
) -> ProbeResult:
    series = [
        Series(
            name=f"{name} loss",
            x_label="epoch",
            y_label="loss",
            x=[float(i) for i, v in enumerate(curve) if math.isfinite(v)],
            y=[v for v in curve if math.isfinite(v)],
        )
        for name, curve in curves.items()
    ]
    single = _single_class(target, labels)
    problems = _problems(facts, values)
    if single is not None:
        problems.append(
            f"Every training label is {single}: there is only one class to predict, so a "
            "constant prediction is right and nothing else can be learnt."
        )
    if problems:
        status = "fail" if _serious(facts) else "warn"
        finding = " ".join(problems)
    else:
        status = "pass"
        finding = (
            f"In {values['epochs']} epochs the training loss fell from "
            f"{_text(values['start_loss'])} to {_text(values['end_loss'])}"
            + (f" (validation {_text(values['valid_loss'])})" if "valid_loss" in values else "")
            + "."
        )
    return ProbeResult(
        id=PROBE_ID, status=status, facts=facts, values=values, finding=finding, series=series
    )


def _single_class(target: Target, labels: Tensor) -> str | None:
    if target.task not in ("binary", "multiclass") or labels.ndim > 1:
        return None
    all_labels = target.train_tensors()[1].reshape(-1)
    distinct = all_labels.unique()
    return f"{distinct[0].item():g}" if distinct.numel() == 1 else None


def _serious(facts: dict[str, str]) -> bool:
    return facts["loss_trend"] in ("flat", "diverging", "nan", "oscillating", "negative") or (
        facts.get("constant_predictions") == "yes"
    )


_TRENDS = {
    "flat": "The training loss did not move ({start} to {end} in {epochs} epochs).",
    "slow": "The training loss fell only slowly ({start} to {end} in {epochs} epochs).",
    "plateau_high": "The training loss fell at first, then stalled at {end}, near the "
    "{chance} a blind guess gives.",
    "diverging": "The training loss grew from {start} to {end} in {epochs} epochs.",
    "nan": "The loss became NaN or inf during training.",
    "oscillating": "The training loss jumped up and down instead of falling "
    "({start} to {end} in {epochs} epochs).",
    "negative": "The loss went below zero ({end}), which a proper loss cannot do.",
}


def _problems(
    facts: dict[str, str], values: dict[str, float | int | str | bool | None]
) -> list[str]:
    words = {
        "start": _text(values["start_loss"]),
        "end": _text(values["end_loss"]),
        "epochs": str(values["epochs"]),
        "chance": _text(values["chance_loss"]),
    }
    problems = []
    if facts["loss_trend"] in _TRENDS:
        problems.append(_TRENDS[facts["loss_trend"]].format(**words))
    if facts.get("train_valid_gap") == "large":
        problems.append(
            f"The validation loss ({_text(values.get('valid_loss'))}) is far above the "
            f"training loss ({words['end']})."
        )
    if facts.get("train_valid_gap") == "valid_better":
        problems.append(
            f"The validation loss ({_text(values.get('valid_loss'))}) is well below the "
            f"training loss ({words['end']})."
        )
    if values.get("steps_in_eval_mode"):
        problems.append(EVAL_MODE_PROBLEM)
    elif facts.get("mode_effect") == "yes":
        problems.append(
            f"Train and eval mode give losses {_text(values.get('mode_ratio'))} times apart "
            "(dropout or batch norm): evaluate with model.eval()."
        )
    if facts.get("constant_predictions") == "yes":
        problems.append("After training the model predicts the same output for every input.")
    return problems


def _text(value: object) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:.4g}"
    return "NaN" if isinstance(value, float) else "unknown"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
