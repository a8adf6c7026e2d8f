"""loss_target_check: do prediction, target and loss fit together?

Catches shapes that broadcast silently ([N, 1] against [N]), targets of the wrong dtype or
encoding, losses that do not suit the task, and the error a loss raises, named as a fact.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from probes.errors import ProbeFailure, TargetError, sentence
from probes.model.common import (
    Reporter,
    dtype,
    exception_text,
    forward,
    fresh_model,
    loss_with_warnings,
    sample,
    shape,
    step_prediction,
    training_loss,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import BINARY_LOSSES, CLASSIFICATION_LOSSES, REGRESSION_LOSSES, Target, loss_kind

PROBE_ID = "loss_target_check"
BATCH = 64
#: A class the loss ignores (``ignore_index``) that labels this share of the examples or more
#: is a real class hidden from training, not padding: the loss can fall while accuracy stays low.
IGNORED_CLASS_SHARE = 0.05
ELEMENTWISE = (*BINARY_LOSSES, *REGRESSION_LOSSES)


def loss_target_check(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    loss = training_loss(target)
    model, device = fresh_model(target)
    try:
        inputs, targets = sample(target, BATCH, device)
    except TargetError as error:
        return _string_labels(str(error))
    report(0.3, "computing the loss on one batch")
    try:
        prediction = step_prediction(target, forward(model, inputs))
    except ProbeFailure as failure:
        return _crashed(str(failure), _crash_kind(str(failure)), "")
    facts = {
        "broadcast_mismatch": "yes" if _broadcasts(target, prediction, targets) else "no",
        "label_format": _label_format(target, prediction, targets),
        "loss_task_fit": "mismatch" if _task_misfit(target, prediction, targets) else "fits",
    }
    try:
        value, warned = loss_with_warnings(target.loss or loss, prediction, targets)
        value.backward()  # type: ignore[no-untyped-call]
    except (ProbeFailure, RuntimeError) as failure:
        text = str(failure) if isinstance(failure, ProbeFailure) else exception_text(failure)
        return _crashed(text, _crash_kind(text), facts["label_format"], facts)
    if any("target size" in w or "broadcast" in w for w in warned):
        facts["broadcast_mismatch"] = "yes"
    if _ignored_class_share(target) >= IGNORED_CLASS_SHARE:
        facts["loss_task_fit"] = "mismatch"
    facts["crash"] = "none"
    report(1.0, "done")
    return _result(target, facts, prediction, targets, float(value.detach()))


# --- the checks ----------------------------------------------------------------------------
def _broadcasts(target: Target, prediction: Tensor, targets: Tensor) -> bool:
    kind = loss_kind(target.loss)
    if kind in CLASSIFICATION_LOSSES or prediction.shape == targets.shape:
        return False
    if kind not in ELEMENTWISE and kind != "other":
        return False
    try:
        combined = np.broadcast_shapes(tuple(prediction.shape), tuple(targets.shape))
    except ValueError:
        return False
    return combined != tuple(prediction.shape) or combined != tuple(targets.shape)


def _label_format(target: Target, prediction: Tensor, targets: Tensor) -> str:
    kind = loss_kind(target.loss)
    if target.task not in ("binary", "multiclass"):
        return "ok"
    if _one_hot(targets) and not (kind == "cross_entropy" and targets.is_floating_point()):
        return "one_hot"
    if targets.ndim > 1 and targets.shape[-1] > 1:
        return "ok"
    values = targets.reshape(-1).double()
    units = prediction.shape[1] if prediction.ndim > 1 else 1
    if kind in CLASSIFICATION_LOSSES and targets.is_floating_point():
        # whole numbers stored as floats are classes; other floats are no class labels at all
        whole = bool((values == values.round()).all())
        return "float_classes" if whole else "ok"
    if kind in BINARY_LOSSES and not bool(((values >= 0) & (values <= 1)).all()):
        # -1/+1 or other codes: the closest value the knowledge base has for them
        return "strings"
    starts_at_one = values.numel() > 0 and float(values.min()) == 1
    if kind in CLASSIFICATION_LOSSES and units > 1 and starts_at_one:
        return "one_based" if float(values.max()) == units else "ok"
    return "ok"


def _one_hot(targets: Tensor) -> bool:
    if targets.ndim != 2 or targets.shape[1] < 2:
        return False
    values = targets.double()
    zero_one = bool(((values == 0) | (values == 1)).all())
    return zero_one and bool((values.sum(dim=1) == 1).all())


def _task_misfit(target: Target, prediction: Tensor, targets: Tensor) -> bool:
    kind = loss_kind(target.loss)
    task = target.task
    if kind == "nll" and not _log_probabilities(prediction):
        return True
    if kind in CLASSIFICATION_LOSSES and _units(prediction) < 2:
        # one class only: the loss is exactly 0 and no gradient flows
        return True
    if task in ("binary", "multiclass") and kind in REGRESSION_LOSSES:
        return True
    if task == "multiclass" and kind in BINARY_LOSSES and not _one_hot(targets):
        return True
    return task == "regression" and kind in (*CLASSIFICATION_LOSSES, *BINARY_LOSSES)


def _ignored_class_share(target: Target) -> float:
    """The share of training examples whose one class label is the loss's ``ignore_index``.

    Only one label per example counts: in token tagging, targets of (batch, time) with the
    padding position ignored are the point of ``ignore_index``.
    """
    ignored = getattr(target.loss, "ignore_index", None)
    if not isinstance(ignored, int) or ignored < 0 or target.task not in ("binary", "multiclass"):
        return 0.0
    labels = target.train_tensors()[1]
    if labels.is_floating_point() or labels.ndim != 1 or labels.numel() == 0:
        return 0.0
    return float((labels == ignored).float().mean())


def _units(prediction: Tensor) -> int:
    return int(prediction.shape[1]) if prediction.ndim > 1 else 1


def _log_probabilities(prediction: Tensor) -> bool:
    if prediction.ndim < 2:
        return False
    with torch.no_grad():
        sums = prediction.detach().exp().sum(dim=1)
    return bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-3))


def _crash_kind(text: str) -> str:
    lowered = text.lower()
    if "out of bounds" in lowered or ("index" in lowered and "range" in lowered):
        return "index_out_of_bounds"
    if "out of memory" in lowered:
        return "out_of_memory"
    if "shapes cannot be multiplied" in lowered:
        return "shape_mismatch"
    if "expected scalar type" in lowered or "dtype" in lowered or "found dtype" in lowered:
        return "dtype_mismatch"
    if "size" in lowered and ("target" in lowered or "match" in lowered):
        return "size_mismatch"
    if "shape" in lowered:
        return "shape_mismatch"
    return "other"


# --- results -------------------------------------------------------------------------------
def _string_labels(message: str) -> ProbeResult:
    return ProbeResult(
        id=PROBE_ID,
        status="fail",
        facts={"label_format": "strings"},
        finding=sentence(message),
    )


def _crashed(
    text: str, kind: str, label_format: str, facts: dict[str, str] | None = None
) -> ProbeResult:
    found = dict(facts or {})
    found["crash"] = kind
    if label_format:
        found["label_format"] = label_format
    hint = _format_problem(found.get("label_format", "ok"), "the loss")
    return ProbeResult(
        id=PROBE_ID,
        status="fail",
        facts=found,
        values={"error": text},
        finding=" ".join([sentence(text), *hint]),
    )


def _result(
    target: Target, facts: dict[str, str], prediction: Tensor, targets: Tensor, value: float
) -> ProbeResult:
    problems = _problems(target, facts, prediction, targets)
    values = {
        "prediction_shape": shape(prediction),
        "target_shape": shape(targets),
        "target_dtype": dtype(targets),
        "loss": value,
    }
    if problems:
        return ProbeResult(
            id=PROBE_ID, status="fail", facts=facts, values=values, finding=" ".join(problems)
        )
    return ProbeResult(
        id=PROBE_ID,
        status="pass",
        facts=facts,
        values=values,
        finding=f"Prediction {shape(prediction)} and target {shape(targets)} "
        f"({dtype(targets)}) fit the loss, which suits {target.task or 'the task'}.",
    )


def _problems(
    target: Target, facts: dict[str, str], prediction: Tensor, targets: Tensor
) -> list[str]:
    problems = []
    name = type(target.loss).__name__
    if facts["broadcast_mismatch"] == "yes":
        problems.append(
            f"The prediction has shape {shape(prediction)} and the target {shape(targets)}: "
            f"{name} broadcasts them to {_broadcast_shape(prediction, targets)} and compares "
            "every prediction with every target. Make the shapes equal (e.g. squeeze(-1))."
        )
    problems += _format_problem(facts["label_format"], name)
    if facts["loss_task_fit"] == "mismatch":
        problems.append(_misfit_problem(target, name, prediction))
    return problems


def _broadcast_shape(prediction: Tensor, targets: Tensor) -> str:
    combined = np.broadcast_shapes(tuple(prediction.shape), tuple(targets.shape))
    return "[" + ", ".join(str(size) for size in combined) + "]"


def _format_problem(label_format: str, name: str) -> list[str]:
    texts = {
        "one_hot": f"The labels are one-hot rows; {name} wants class indices: use "
        "labels.argmax(dim=1).",
        "float_classes": f"The class labels are floats; {name} wants integer class indices: "
        "use labels.long().",
        "one_based": "The class labels run from 1 to the number of classes; they must start "
        "at 0: subtract 1.",
        "strings": f"Some labels lie outside [0, 1]; {name} wants 0 or 1 (or a probability): "
        "map them, e.g. (labels + 1) / 2 for -1/+1.",
    }
    return [texts[label_format]] if label_format in texts else []


def _misfit_problem(target: Target, name: str, prediction: Tensor) -> str:
    kind = loss_kind(target.loss)
    share = _ignored_class_share(target)
    if share >= IGNORED_CLASS_SHARE:
        ignored = getattr(target.loss, "ignore_index", None)
        return (
            f"{name} is built with ignore_index={ignored}, and class {ignored} labels "
            f"{share:.0%} of the training examples: the loss never sees them, so it can fall "
            "to near zero while the model never learns that class and accuracy stays low. "
            "Keep ignore_index for padding only (the default -100)."
        )
    if kind == "nll":
        return (
            "NLLLoss expects log-probabilities, but the model does not end in a log-softmax: "
            "add nn.LogSoftmax(dim=1) or use CrossEntropyLoss on the raw scores."
        )
    if kind in CLASSIFICATION_LOSSES and _units(prediction) < 2:
        return (
            f"{name} over a single output unit sees one class only, so the loss is 0 whatever "
            "the model predicts and nothing is learnt: give the model one output per class, "
            "or use BCEWithLogitsLoss for two classes and MSELoss for a regression."
        )
    return f"{name} does not suit {target.task}: use a loss made for this task."
