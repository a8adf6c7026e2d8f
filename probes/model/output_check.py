"""output_check: does the model's last layer and output range suit the task and the loss?

The activation is read from the last module that runs, and confirmed from the outputs
themselves on real inputs and on the same inputs scaled up (a bounded output stays bounded).
The fully connected layers before the output are measured too: a hidden layer with fewer units
than a classifier's classes less one confines the class scores to too few directions to tell
the classes apart freely (the softmax bottleneck, Yang et al., ICLR 2018).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from probes.inputs import Inputs, scaled
from probes.model.common import Reporter, forward, fresh_model, sample
from probes.progress import ProgressFn
from probes.result import Measured, ProbeResult
from probes.target import BINARY_LOSSES, CLASSIFICATION_LOSSES, Target, loss_kind

PROBE_ID = "output_check"
BATCH = 256
SCALE = 25.0
MODULE_ACTIVATIONS: dict[type[nn.Module], str] = {
    nn.Sigmoid: "sigmoid",
    nn.Softmax: "softmax",
    nn.LogSoftmax: "log_softmax",
    nn.ReLU: "relu",
    nn.ReLU6: "relu",
    nn.Tanh: "tanh",
    nn.Hardtanh: "tanh",
    nn.Hardsigmoid: "sigmoid",
}
#: Modules that reshape or pass values through without changing them.
SHAPE_ONLY = (nn.Flatten, nn.Unflatten, nn.Identity)
ACTIVATION_WORDS = {
    "none": "no output activation",
    "sigmoid": "a sigmoid",
    "softmax": "a softmax",
    "log_softmax": "a log-softmax",
    "relu": "a ReLU",
    "tanh": "a tanh",
}
#: The range each activation's output can take.
RANGES = {
    "sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, float("inf")),
    "log_softmax": (float("-inf"), 0.0),
}


def output_check(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    model, device = fresh_model(target)
    model.eval()
    inputs, _ = sample(target, BATCH, device)
    report(0.3, "running the untrained model on real inputs")
    with torch.no_grad():
        activation = detect_activation(model, inputs)
        output = forward(model, inputs)
        widths = hidden_widths(model, inputs)
    targets = target.train_tensors()[1]
    units = output.shape[1] if output.ndim > 1 else 1
    checks = _checks(target, activation, units, targets)
    narrowest = bottleneck(target.task, units, widths)
    if narrowest is not None:
        checks["model_capacity"] = "tiny"
    report(1.0, "done")
    return _result(target, activation, units, checks, narrowest)


def hidden_widths(model: nn.Module, inputs: Inputs) -> list[int]:
    """The units of every fully connected layer that runs before the last one, which makes
    the output; empty for a model with one fully connected layer or none."""
    widths: list[int] = []

    def remember(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        widths.append(int(module.out_features))  # type: ignore[arg-type]

    handles = [m.register_forward_hook(remember) for m in model.modules() if _dense(m)]
    try:
        forward(model, inputs)
    finally:
        for handle in handles:
            handle.remove()
    return widths[:-1]


def _dense(module: nn.Module) -> bool:
    return isinstance(module, (nn.Linear, nn.Bilinear, nn.LazyLinear))


def bottleneck(task: str | None, units: int, widths: list[int]) -> int | None:
    """The narrowest hidden width when it is below the classes less one: the affine class
    scores of a layer that narrow span too few directions for the classes. None otherwise,
    which says nothing about capacity: a wide enough layer can still be too small."""
    if task != "multiclass" or not widths or min(widths) >= units - 1:
        return None
    return min(widths)


def detect_activation(model: nn.Module, inputs: Inputs) -> str:
    """The output activation: the last module that runs, else what the outputs look like."""
    last: list[tuple[nn.Module, object]] = []

    def remember(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        last.append((module, output))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(remember) for m in leaves]
    try:
        output = forward(model, inputs)
    finally:
        for handle in handles:
            handle.remove()
    while len(last) > 1 and isinstance(last[-1][0], SHAPE_ONLY):
        # a Flatten or Identity after the activation changes no value
        last.pop()
    if last:
        module, module_output = last[-1]
        for cls, name in MODULE_ACTIVATIONS.items():
            if isinstance(module, cls):
                return name
        if isinstance(module_output, Tensor) and _same_values(module_output, output):
            return "none"
    return _activation_from_range(model, inputs, output)


def _activation_from_range(model: nn.Module, inputs: Inputs, output: Tensor) -> str:
    outputs = [output]
    up, down = scaled(inputs, SCALE), scaled(inputs, -SCALE)
    if up is not None and down is not None:
        outputs += [forward(model, up), forward(model, down)]
    finite = [
        o[torch.isfinite(o).all(dim=-1)] if o.ndim > 1 else o[torch.isfinite(o)] for o in outputs
    ]
    values = torch.cat([o.reshape(-1) for o in finite]) if finite else output.reshape(-1)
    if values.numel() == 0:
        return "none"
    if output.ndim > 1 and output.shape[1] > 1:
        if all(_rows_sum_to_one(o) for o in finite) and float(values.min()) >= 0:
            return "softmax"
        if all(_rows_sum_to_one(o.exp()) for o in finite) and float(values.max()) <= 0:
            return "log_softmax"
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1:
        return "sigmoid"
    if low >= -1 and high <= 1:
        return "tanh"
    if low >= 0 and float((values == 0).float().mean()) > 0.05:
        return "relu"
    return "none"


def _rows_sum_to_one(output: Tensor) -> bool:
    if output.numel() == 0:
        return False
    sums = output.sum(dim=1)
    return bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-4))


def _same_values(a: Tensor, b: Tensor) -> bool:
    return a.numel() == b.numel() and _same(a.reshape(-1), b.reshape(-1))


def _same(a: Tensor, b: Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, equal_nan=True))


# --- the checks ----------------------------------------------------------------------------
def _checks(target: Target, activation: str, units: int, targets: Tensor) -> dict[str, str]:
    kind = loss_kind(target.loss)
    task = target.task
    checks = {
        "output_activation": activation,
        "softmax_into_ce": "yes" if _double_activation(activation, kind) else "no",
    }
    if task is None:
        return checks
    checks["task"] = task
    checks["output_units"] = _units_verdict(task, kind, units, targets)
    checks["output_range_mismatch"] = (
        "yes" if _range_mismatch(task, kind, activation, units, targets) else "no"
    )
    in_range = _labels_in_range(task, kind, units, targets)
    if in_range is not None:
        checks["labels_in_range"] = "yes" if in_range else "no"
    return checks


def _double_activation(activation: str, kind: str | None) -> bool:
    return (activation == "softmax" and kind == "cross_entropy") or (
        activation == "sigmoid" and kind == "bce_with_logits"
    )


def _units_verdict(task: str, kind: str | None, units: int, targets: Tensor) -> str:
    if kind in CLASSIFICATION_LOSSES and units < 2:
        # a softmax over one unit is always 1: the loss is 0 whatever the model does
        return "too_few"
    expected = _expected_units(task, kind, targets)
    if expected is None:
        return "match"
    low, high = expected
    return "too_few" if units < low else "too_many" if units > high else "match"


def _expected_units(task: str, kind: str | None, targets: Tensor) -> tuple[int, int] | None:
    width = targets.shape[1] if targets.ndim > 1 else 1
    if task in ("regression", "multilabel"):
        return width, width
    if task == "binary":
        if targets.ndim == 1 and torch.unique(targets).numel() < 2:
            return None
        if kind in BINARY_LOSSES:
            return 1, 1
        return (2, 2) if kind in CLASSIFICATION_LOSSES else (1, 2)
    classes = class_count(targets)
    return (classes, classes) if classes else None


def class_count(targets: Tensor) -> int | None:
    """How many classes the labels imply: the width of one-hot rows or the largest index + 1."""
    if targets.ndim > 1 and targets.shape[1] > 1:
        return int(targets.shape[1])
    values = targets.reshape(-1).double()
    values = values[torch.isfinite(values)]
    if values.numel() == 0 or float(values.min()) < 0:
        return None
    return int(values.max()) + 1


def _range_mismatch(
    task: str, kind: str | None, activation: str, units: int, targets: Tensor
) -> bool:
    if task != "regression":
        return activation == "relu" and kind in ("cross_entropy", "bce_with_logits")
    if activation == "softmax" and units == 1:
        return not bool((targets == 1).all())
    if activation not in RANGES:
        return False
    low, high = RANGES[activation]
    values = targets.double()
    values = values[torch.isfinite(values)]
    tolerance = 1e-6
    return bool((values < low - tolerance).any() or (values > high + tolerance).any())


def _labels_in_range(task: str, kind: str | None, units: int, targets: Tensor) -> bool | None:
    if task not in ("binary", "multiclass") or (targets.ndim > 1 and targets.shape[1] > 1):
        return None
    values = targets.reshape(-1).double()
    if kind in BINARY_LOSSES or (task == "binary" and units == 1):
        return bool(((values >= 0) & (values <= 1)).all())
    if kind in CLASSIFICATION_LOSSES or units > 1:
        return bool(((values >= 0) & (values < units)).all())
    return None


# --- the result ----------------------------------------------------------------------------
def _result(
    target: Target,
    activation: str,
    units: int,
    checks: dict[str, str],
    narrowest: int | None = None,
) -> ProbeResult:
    problems = _problems(target, activation, units, checks)
    # a narrow layer limits the model without breaking it: a warning unless something fails
    concerns = [*problems, _bottleneck_problem(narrowest, units)] if narrowest else problems
    values: dict[str, Measured] = {
        "output_units": units,
        "activation": activation,
        "loss": loss_kind(target.loss),
    }
    if narrowest is not None:
        values["narrowest_hidden_units"] = narrowest
    if concerns:
        return ProbeResult(
            id=PROBE_ID,
            status="fail" if problems else "warn",
            facts=checks,
            values=values,
            finding=" ".join(concerns),
        )
    task = target.task or "an unknown task"
    return ProbeResult(
        id=PROBE_ID,
        status="pass",
        facts=checks,
        values=values,
        finding=f"The model ends in {ACTIVATION_WORDS[activation]} with {units} output "
        f"unit{'s' if units != 1 else ''}, which suits {task} with this loss.",
    )


def _problems(target: Target, activation: str, units: int, checks: dict[str, str]) -> list[str]:
    problems = []
    kind = loss_kind(target.loss)
    if checks.get("softmax_into_ce") == "yes":
        loss = "CrossEntropyLoss" if kind == "cross_entropy" else "BCEWithLogitsLoss"
        problems.append(
            f"The model ends in {ACTIVATION_WORDS[activation]}, but {loss} applies its own: "
            "drop the last activation and feed it raw scores."
        )
    if checks.get("output_range_mismatch") == "yes":
        problems.append(_range_problem(target, activation, units))
    if checks.get("output_units") in ("too_few", "too_many"):
        problems.append(_units_problem(target, units, checks["output_units"]))
    if checks.get("labels_in_range") == "no":
        problems.append(
            f"Some labels fall outside [0, {units}): the model has {units} output "
            f"unit{'s' if units != 1 else ''}, so those labels can never be predicted."
        )
    return problems


def _bottleneck_problem(narrowest: int, classes: int) -> str:
    return (
        f"A hidden layer has only {narrowest} unit{'s' if narrowest != 1 else ''} for "
        f"{classes} classes: the class scores it feeds can vary in only {narrowest} "
        f"direction{'s' if narrowest != 1 else ''}, too few to tell the classes apart freely. "
        "Widen it to at least the number of classes."
    )


def _range_problem(target: Target, activation: str, units: int) -> str:
    if target.task != "regression":
        return (
            "The model ends in a ReLU, so its scores can never be negative: remove the ReLU "
            "after the last layer."
        )
    if activation == "softmax" and units == 1:
        return (
            "The model ends in a softmax over a single unit, which always outputs 1: "
            "remove it and output the raw value."
        )
    low, high = RANGES[activation]
    return (
        f"The model ends in {ACTIVATION_WORDS[activation]}, whose output stays in "
        f"[{low:g}, {high:g}], but some regression targets fall outside that range: remove "
        "it or rescale the targets."
    )


def _units_problem(target: Target, units: int, verdict: str) -> str:
    word = "too few" if verdict == "too_few" else "too many"
    return (
        f"The model has {units} output unit{'s' if units != 1 else ''}, {word} for {target.task} "
        f"with this loss, which needs {_wanted_units(target)}."
    )


def _wanted_units(target: Target) -> str:
    kind = loss_kind(target.loss)
    expected = _expected_units(target.task or "", kind, target.train_tensors()[1])
    if expected is None or (kind in CLASSIFICATION_LOSSES and expected[0] < 2):
        return "at least 2"
    low, high = expected
    return f"{low}" if low == high else f"{low} or {high}"
