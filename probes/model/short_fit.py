"""short_fit: a few seconds of training with the user's settings, and what the curves show.

Trains with the user's optimizer, batch size and own train_step when given, on up to
MAX_TRAIN examples, until TIME_BUDGET or MAX_EPOCHS. After each epoch the loss is measured in
eval mode on fixed training and validation samples. The curve is then classified (flat, slow,
plateau_high, decreasing, diverging, nan, oscillating, negative), the gap between training and
validation judged, train and eval mode compared, and the predictions checked for variety.
A classifier's training accuracy is set against its loss: a loss that falls far while the
accuracy stays at the most common class's share measures something other than the task.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.inputs import Inputs
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
from probes.result import Measured, ProbeResult, Series
from probes.target import BINARY_LOSSES, CLASSIFICATION_LOSSES, Target, loss_kind
from probes.verdict import Verdict

PROBE_ID = "short_fit"
TIME_BUDGET = 5.0
MAX_EPOCHS = 30
MIN_EPOCHS = 3
MAX_TRAIN = 4096
EVAL_SAMPLES = 512
#: Relative drop of the training loss below which the curve counts as flat; below SLOW, slow.
FLAT = 0.02
SLOW = 0.10
#: A loss still above this share of a blind guess's has learnt little ...
NEAR_CHANCE = 0.7
#: ... and has stalled there when the last third of the epochs took less than this share off
#: it: at that pace it would need many times the budget to get anywhere.
STALLED = 0.05
#: A validation loss this many times the training loss is a large gap, provided that the
#: difference is also a sizeable share (GAP_SHARE) of what a blind guess loses: a ratio alone
#: calls 0.066 against 0.035 on a regression with R² 0.94 a gap.
GAP = 1.5
GAP_SHARE = 0.25
#: Training accuracy this far above validation accuracy is a large gap for a classifier.
ACCURACY_GAP = 0.15
#: An accuracy gap up to this is ordinary for a healthy classifier (train 100%, valid 93%). A
#: confident model's held-out loss can still be many times its training loss, from the few
#: examples it gets confidently wrong, so then the loss gap alone does not make a large gap.
ORDINARY_ACCURACY_GAP = 0.08
#: Train-mode and eval-mode losses this many times apart are a mode effect.
MODE = 1.5
#: A classifier's loss below this share of what predicting the class shares gives (their
#: entropy) has learnt something: its accuracy should then beat the most common class's share.
LOSS_LEARNT = 0.5


@dataclass(frozen=True)
class FitRun:
    """What a short fit measured."""

    curves: dict[str, list[float]]
    """``train`` and, with validation data, ``valid``: the loss in eval mode after each epoch
    (the first point before training)."""
    steps: list[float]
    """The loss of every step, when the standard step ran (a user's step may return nothing)."""
    steps_in_eval_mode: int
    """How many of the user's train_step calls ran the model in eval mode."""
    chance_loss: float | None
    """The loss a blind guess gives on the training sample."""
    accuracy_gap: float | None
    """Training minus validation accuracy, for single-label classifiers with validation data."""
    mode_ratio: float | None
    """How far apart train and eval mode are (``_mode_ratio``); measured on finite curves only."""
    constant: bool
    """Whether the trained model predicts the same output for every input (finite curves only)."""
    single_class: str | None
    """The one label every training example has, for a classifier that has only one."""
    uncounted_steps: int = 0
    """Steps whose every target the loss leaves out (its ``ignore_index``): their loss is a
    mean over nothing, NaN by definition, and says nothing about the training."""
    accuracy: float | None = None
    """Training accuracy after the fit, for single-label classifiers with a classification
    loss (finite curves only)."""
    majority_share: float | None = None
    """The most common class's share of the training sample: always answering it scores this."""
    label_entropy: float | None = None
    """The loss (in nats) of predicting the class shares of the training sample."""

    @property
    def finite(self) -> bool:
        """Whether every loss seen was finite: the mode and the predictions are judged then."""
        return all(math.isfinite(v) for v in self.curves["train"] + self.steps)


def short_fit(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    run = measure(target, report)
    report(1.0, "done")
    return _result(run, judge(run))


def measure(target: Target, report: Reporter) -> FitRun:
    """Train a fresh model briefly, then measure the curves, the modes and the predictions."""
    loss = training_loss(target)
    model, device = fresh_model(target)
    optimizer = make_optimizer(target, model)
    train_x, train_y = _subset(*target.train_tensors(), MAX_TRAIN, device)
    check = train_x[:EVAL_SAMPLES], train_y[:EVAL_SAMPLES]
    valid = target.valid_tensors()
    held_out = _subset(*valid, EVAL_SAMPLES, device) if valid else None
    curves, steps, eval_steps, uncounted = _train(
        target, model, optimizer, loss, (train_x, train_y), check, held_out, report
    )
    sample = held_out or check
    with torch.no_grad():
        model.eval()
        reference = chance_loss(target, forward(model, check[0]), check[1])
    accuracy_gap = _accuracy_gap(target, model, check, held_out) if held_out else None
    finite = all(math.isfinite(v) for v in curves["train"] + steps)
    return FitRun(
        curves=curves,
        steps=steps,
        steps_in_eval_mode=eval_steps,
        chance_loss=reference,
        accuracy_gap=accuracy_gap,
        mode_ratio=_mode_ratio(model, loss, *sample) if finite else None,
        constant=_constant(target, model, sample[0]) if finite else False,
        single_class=_single_class(target, check[1]),
        uncounted_steps=uncounted,
        accuracy=_accuracy(target, model, *check) if finite and _classifies(target) else None,
        majority_share=_majority_share(check[1]) if _classifies(target) else None,
        label_entropy=_label_entropy(check[1]) if _classifies(target) else None,
    )


def _train(
    target: Target,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss: object,
    train: tuple[Inputs, Tensor],
    check: tuple[Inputs, Tensor],
    held_out: tuple[Inputs, Tensor] | None,
    report: Reporter,
) -> tuple[dict[str, list[float]], list[float], int, int]:
    """Epochs until TIME_BUDGET or MAX_EPOCHS: the curves, every step's loss, how many
    steps ran in eval mode, and how many counted no target (``_counts_no_target``)."""
    curves: dict[str, list[float]] = {"train": [_safe_eval(model, loss, *check)]}
    if held_out is not None:
        curves["valid"] = [_safe_eval(model, loss, *held_out)]
    steps: list[float] = []
    eval_steps = uncounted = 0
    deadline = Deadline(TIME_BUDGET)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(MAX_EPOCHS):
        for inputs, targets in epoch_batches(*train, target.batch_size, generator):
            value, in_eval = step_in_eval_mode(target, model, optimizer, inputs, targets)
            eval_steps += in_eval
            if _counts_no_target(loss, targets):
                uncounted += 1
                continue
            if target.train_step is None:
                # a user's step may return nothing; the eval-mode curve covers it then
                steps.append(value)
            if not math.isfinite(value) and target.train_step is None:
                break
            if deadline.passed and epoch + 1 >= MIN_EPOCHS:
                break
        curves["train"].append(_safe_eval(model, loss, *check))
        if held_out is not None:
            curves["valid"].append(_safe_eval(model, loss, *held_out))
        report((epoch + 1) / MAX_EPOCHS, f"epoch {epoch + 1}: loss {curves['train'][-1]:.4g}")
        if deadline.passed or not math.isfinite(curves["train"][-1]):
            break
    return curves, steps, eval_steps, uncounted


def _counts_no_target(loss: object, targets: Tensor) -> bool:
    """Whether the loss leaves out every target of the batch: all equal its ``ignore_index``.
    PyTorch's mean over no targets is NaN, which is no overflow; a loss that ignores a common
    class meets such batches often (a short last batch of that class alone)."""
    ignored = getattr(loss, "ignore_index", None)
    if not isinstance(ignored, int) or targets.is_floating_point() or targets.numel() == 0:
        return False
    return bool((targets == ignored).all())


def _subset(
    inputs: Inputs, targets: Tensor, size: int, device: torch.device
) -> tuple[Inputs, Tensor]:
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(0))[:size]
    return inputs[order].to(device), targets[order].to(device)


def _safe_eval(model: nn.Module, loss: object, inputs: Inputs, targets: Tensor) -> float:
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
    if _plateaued(curve) and reference is not None and end > NEAR_CHANCE * reference:
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
    return (third[0] - third[-1]) / (abs(third[0]) or 1.0) < STALLED


#: The cases ``judge`` names besides the loss trend (a key of ``_TRENDS``), in the order the
#: finding says them.
GAP_LARGE, VALID_BETTER, EVAL_MODE, MODE_EFFECT = (
    "gap_large",
    "valid_better",
    "eval_mode",
    "mode_effect",
)
CONSTANT, SINGLE_CLASS = "constant_predictions", "single_class"
ACCURACY_BEHIND = "accuracy_behind"
#: Trends that make a short fit fail rather than warn (so do constant predictions).
SERIOUS_TRENDS = ("flat", "diverging", "nan", "oscillating", "negative")


def judge(run: FitRun) -> Verdict:
    curves = run.curves
    trend = classify_trend(curves["train"], run.steps, run.chance_loss)
    facts = {"loss_trend": trend}
    if "valid" in curves and all(math.isfinite(c[-1]) for c in curves.values()):
        # a NaN curve says nothing about the gap between training and validation
        facts["train_valid_gap"] = _gap(
            curves["train"][-1], curves["valid"][-1], run.chance_loss, run.accuracy_gap
        )
    if trend != "nan":
        mode = run.mode_ratio
        facts["mode_effect"] = "yes" if mode is not None and mode > MODE else "no"
        facts["constant_predictions"] = "yes" if run.constant else "no"
    if run.steps_in_eval_mode:
        facts["mode_effect"] = "yes"
    follows = accuracy_follows_loss(run)
    if follows is not None:
        facts["accuracy_follows_loss"] = follows
    cases = [trend] if trend in _TRENDS else []
    gap = facts.get("train_valid_gap")
    cases += [GAP_LARGE] if gap == "large" else [VALID_BETTER] if gap == "valid_better" else []
    if run.steps_in_eval_mode:
        cases.append(EVAL_MODE)
    elif facts.get("mode_effect") == "yes":
        cases.append(MODE_EFFECT)
    if facts.get("constant_predictions") == "yes":
        cases.append(CONSTANT)
    if run.single_class is not None:
        cases.append(SINGLE_CLASS)
    if follows == "no":
        cases.append(ACCURACY_BEHIND)
    if not cases:
        return Verdict("pass", facts)
    serious = trend in SERIOUS_TRENDS or facts.get("constant_predictions") == "yes"
    return Verdict("fail" if serious else "warn", facts, tuple(cases))


def accuracy_follows_loss(run: FitRun) -> str | None:
    """``no`` when the training loss fell far below what predicting the class shares gives
    (LOSS_LEARNT) while the training accuracy stayed at or below always answering the most
    common class; ``yes`` when it rose above that; None when the loss did not fall that far,
    or for no single-label classifier."""
    if run.accuracy is None or run.majority_share is None or not run.label_entropy:
        return None
    end = run.curves["train"][-1]
    if not (math.isfinite(end) and end < LOSS_LEARNT * run.label_entropy):
        return None
    return "yes" if run.accuracy > run.majority_share else "no"


def _classifies(target: Target) -> bool:
    """A single-label classifier trained with a classification loss: its loss and its
    accuracy measure the same thing, so they must move together."""
    kind = loss_kind(target.loss)
    return target.task in ("binary", "multiclass") and kind in (
        *CLASSIFICATION_LOSSES,
        *BINARY_LOSSES,
    )


def _label_shares(labels: Tensor) -> Tensor | None:
    if (labels.ndim > 1 and labels.shape[-1] > 1) or len(labels) == 0:
        return None
    counts: Tensor = torch.unique(labels.reshape(-1).long(), return_counts=True)[1]
    return counts.double() / counts.sum()


def _majority_share(labels: Tensor) -> float | None:
    shares = _label_shares(labels)
    return None if shares is None else float(shares.max())


def _label_entropy(labels: Tensor) -> float | None:
    shares = _label_shares(labels)
    return None if shares is None else float(-(shares * shares.log()).sum())


def _gap(
    train: float, valid: float, reference: float | None, accuracy_gap: float | None = None
) -> str:
    """large, valid_better or none. The losses' difference counts in units of a blind guess's
    loss (``reference``) where that is known, so a gap that is small next to what the model
    has learnt is no gap; for a classifier a large accuracy gap counts as well, and an ordinary
    one (up to ORDINARY_ACCURACY_GAP) keeps a loss gap from counting."""
    if accuracy_gap is not None and accuracy_gap > ACCURACY_GAP:
        return "large"
    if not (math.isfinite(train) and math.isfinite(valid)):
        return "none"
    scale = reference if reference is not None and reference > 0 else None
    ordinary = accuracy_gap is not None and accuracy_gap <= ORDINARY_ACCURACY_GAP
    if valid > GAP * train and _sizeable(valid - train, train, scale) and not ordinary:
        return "large"
    if valid < train / GAP and _sizeable(train - valid, valid, scale):
        return "valid_better"
    return "none"


def _sizeable(difference: float, smaller: float, scale: float | None) -> bool:
    if scale is None:
        return difference > 0.05 * max(abs(smaller), 1e-12)
    return difference > GAP_SHARE * scale


def _accuracy_gap(
    target: Target, model: nn.Module, train: tuple[Inputs, Tensor], valid: tuple[Inputs, Tensor]
) -> float | None:
    """Training accuracy minus validation accuracy, for single-label classifiers; else None."""
    train_accuracy = _accuracy(target, model, *train)
    valid_accuracy = _accuracy(target, model, *valid)
    if train_accuracy is None or valid_accuracy is None:
        return None
    return train_accuracy - valid_accuracy


def _accuracy(target: Target, model: nn.Module, inputs: Inputs, targets: Tensor) -> float | None:
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


def _mode_ratio(model: nn.Module, loss: object, inputs: Inputs, targets: Tensor) -> float | None:
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


def _constant(target: Target, model: nn.Module, inputs: Inputs) -> bool:
    model.eval()
    with torch.no_grad():
        output = forward(model, inputs).float()
    if len(output) < 2:
        return False
    if target.task in ("multiclass",) and output.ndim > 1 and output.shape[1] > 1:
        return int(torch.unique(output.argmax(dim=1)).numel()) == 1
    spread = output.std(dim=0).max()
    return bool(spread < 1e-4 * (output.abs().mean() + 1e-6)) or bool(spread < 1e-6)


# --- the result ---------------------------------------------------------------------------
def _values(run: FitRun) -> dict[str, Measured]:
    train = run.curves["train"]
    values: dict[str, Measured] = {
        "epochs": len(train) - 1,
        "steps": len(run.steps),
        "start_loss": _finite(train[0]),
        "end_loss": _finite(train[-1]),
        "chance_loss": run.chance_loss,
    }
    if "valid" in run.curves and all(math.isfinite(c[-1]) for c in run.curves.values()):
        values["accuracy_gap"] = run.accuracy_gap
    if "valid" in run.curves:
        values["valid_loss"] = _finite(run.curves["valid"][-1])
    if run.finite:
        values["mode_ratio"] = run.mode_ratio
    values["steps_in_eval_mode"] = run.steps_in_eval_mode
    if run.uncounted_steps:
        values["uncounted_steps"] = run.uncounted_steps
    if run.accuracy is not None:
        values["train_accuracy"] = run.accuracy
        values["majority_share"] = run.majority_share
    return values


def _result(run: FitRun, verdict: Verdict) -> ProbeResult:
    values = _values(run)
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values=values,
        finding=word(run, verdict, values),
        series=[
            Series(
                name=f"{name} loss",
                x_label="epoch",
                y_label="loss",
                x=[float(i) for i, v in enumerate(curve) if math.isfinite(v)],
                y=[v for v in curve if math.isfinite(v)],
            )
            for name, curve in run.curves.items()
        ],
    )


def _single_class(target: Target, labels: Tensor) -> str | None:
    if target.task not in ("binary", "multiclass") or labels.ndim > 1:
        return None
    all_labels = target.train_tensors()[1].reshape(-1)
    distinct = torch.unique(all_labels)
    return f"{distinct[0].item():g}" if distinct.numel() == 1 else None


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


def word(run: FitRun, verdict: Verdict, values: dict[str, Measured]) -> str:
    found = _word_cases(run, verdict, values)
    if not run.uncounted_steps:
        return found
    return (
        f"{found} {run.uncounted_steps} training steps had every target left out by the "
        "loss's ignore_index, which makes their loss NaN (a mean over nothing)."
    )


def _word_cases(run: FitRun, verdict: Verdict, values: dict[str, Measured]) -> str:
    words = {
        "start": _text(values["start_loss"]),
        "end": _text(values["end_loss"]),
        "epochs": str(values["epochs"]),
        "chance": _text(values["chance_loss"]),
    }
    if not verdict.cases:
        return (
            f"In {words['epochs']} epochs the training loss fell from {words['start']} to "
            f"{words['end']}"
            + (f" (validation {_text(values['valid_loss'])})" if "valid_loss" in values else "")
            + "."
        )
    sentences = {
        GAP_LARGE: f"The validation loss ({_text(values.get('valid_loss'))}) is far above the "
        f"training loss ({words['end']}).",
        VALID_BETTER: f"The validation loss ({_text(values.get('valid_loss'))}) is well below "
        f"the training loss ({words['end']}).",
        EVAL_MODE: EVAL_MODE_PROBLEM,
        MODE_EFFECT: f"Train and eval mode give losses {_text(values.get('mode_ratio'))} times "
        "apart (dropout or batch norm): evaluate with model.eval().",
        CONSTANT: "After training the model predicts the same output for every input.",
        SINGLE_CLASS: f"Every training label is {run.single_class}: there is only one class to "
        "predict, so a constant prediction is right and nothing else can be learnt.",
        ACCURACY_BEHIND: f"The training loss fell to {words['end']}, yet the training accuracy "
        f"({_share(run.accuracy)}) is no better than always answering the most common class "
        f"({_share(run.majority_share)}): the loss measures something other than the task "
        "(a class it ignores, targets of the wrong kind).",
        **{trend: text.format(**words) for trend, text in _TRENDS.items()},
    }
    return " ".join(sentences[case] for case in verdict.cases)


def _share(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def _text(value: object) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value:.4g}"
    return "NaN" if isinstance(value, float) else "unknown"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
