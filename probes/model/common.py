"""What the model probes share: fresh models on their device, batches, forward and loss calls
that name what failed, the standard training step, and the loss a blind guess would give."""

from __future__ import annotations

import math
import random
import time
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from probes.errors import ProbeFailure, require
from probes.inputs import Inputs, ModelInputs, call_model, describe_inputs, floating_parts
from probes.progress import Progress, ProgressFn
from probes.target import Target, loss_kind

SEED = 0
ADAPTIVE_OPTIMIZERS = (
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "SparseAdam",
    "Adafactor",
)


def seed_everything(seed: int = SEED) -> None:
    """Seed every RNG a probe may touch, so runs repeat."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class Reporter:
    """Sends progress for one probe."""

    probe: str
    progress: ProgressFn

    def __call__(self, fraction: float, message: str) -> None:
        self.progress(Progress(self.probe, min(max(fraction, 0.0), 1.0), message))


#: How much longer than its budget a probe may take in wall-clock time when the machine is
#: busy; past that it stops even if it has used less CPU than its budget.
WALL_FACTOR = 3.0


class Deadline:
    """A time budget inside a probe (the runner's limit is the hard one).

    Counted in this process's CPU time, so that a machine busy with other work gets the same
    number of epochs and the same findings (a wall-clock budget cut training short under load
    and moved borderline diagnoses). Probes run torch on one thread, where CPU time is the
    wall time of a quiet machine. A cap of WALL_FACTOR times the budget in wall time bounds a
    probe whose process waits (a GPU, a slow disk) rather than computes.
    """

    def __init__(self, seconds: float) -> None:
        self.cpu_end = time.process_time() + seconds
        self.wall_end = time.perf_counter() + WALL_FACTOR * seconds

    @property
    def passed(self) -> bool:
        return time.process_time() >= self.cpu_end or time.perf_counter() >= self.wall_end


# --- the model and its data ----------------------------------------------------------------
def fresh_model(target: Target) -> tuple[nn.Module, torch.device]:
    """A fresh model from the factory and the device its parameters live on."""
    model = target.model()
    return model, device_of(model)


def device_of(model: nn.Module) -> torch.device:
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


def sample(
    target: Target, size: int, device: torch.device, which: str = "train", seed: int = SEED
) -> tuple[Inputs, Tensor]:
    """A seeded random batch of up to ``size`` examples, on ``device``."""
    inputs, targets = _data(target, which)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(inputs), generator=generator)[:size]
    return inputs[order].to(device), targets[order].to(device)


def batches(
    target: Target, size: int, device: torch.device, seed: int = SEED
) -> Iterator[tuple[Inputs, Tensor]]:
    """Shuffled mini-batches of the training data, epoch after epoch, without end."""
    inputs, targets = target.train_tensors()
    generator = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), size):
            index = order[start : start + size]
            yield inputs[index].to(device), targets[index].to(device)


def epoch_batches(
    inputs: Inputs, targets: Tensor, size: int, generator: torch.Generator
) -> Iterator[tuple[Inputs, Tensor]]:
    """One shuffled pass over the data."""
    order = torch.randperm(len(inputs), generator=generator)
    for start in range(0, len(inputs), size):
        index = order[start : start + size]
        yield inputs[index], targets[index]


def _data(target: Target, which: str) -> tuple[Inputs, Tensor]:
    if which == "valid":
        valid = target.valid_tensors()
        if valid is not None:
            return valid
    return target.train_tensors()


def inputs_note(inputs: Inputs) -> str:
    """A sentence on non-finite inputs, or nothing when every input is finite."""
    real = floating_parts(inputs)
    entries = sum(part.numel() for part in real)
    if not entries:
        return ""
    share = sum(float((~torch.isfinite(part)).sum()) for part in real) / entries
    if share == 0:
        return ""
    return f" The inputs hold NaN or inf in {share:.0%} of their entries."


# --- forward and loss that name what failed --------------------------------------------------
def forward(model: nn.Module, inputs: Inputs) -> Tensor:
    """The model's output as one tensor, called with one input or several (``model(x)``,
    ``model(tokens, offsets)``, ``model(**features)``); ``ProbeFailure`` naming the layer when
    it raises."""
    try:
        return output_tensor(call_model(model, inputs))
    except ProbeFailure:
        raise
    except Exception as error:
        raise ProbeFailure(describe_forward_failure(model, inputs, error)) from error


def output_tensor(output: object) -> Tensor:
    """The prediction in a model's output: the tensor, the first of a tuple, or ``logits``."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], Tensor):
        return output[0]
    if isinstance(output, dict):
        value = output.get("logits", next(iter(output.values()), None))
        if isinstance(value, Tensor):
            return value
    raise ProbeFailure(
        f"the model returned {type(output).__name__}, not a tensor; return the prediction as a "
        "tensor (or a tuple or dict whose first entry or 'logits' is the prediction)"
    )


def describe_forward_failure(model: nn.Module, inputs: Inputs, error: Exception) -> str:
    """Which module raised, on which input shapes: re-runs the forward pass with hooks."""
    stack: list[tuple[str, nn.Module, str]] = []
    names = {id(module): name for name, module in model.named_modules()}

    def enter(module: nn.Module, args: tuple[object, ...]) -> None:
        stack.append((names.get(id(module), "?"), module, shapes_of(args)))

    def leave(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        if stack:
            stack.pop()

    handles = [m.register_forward_pre_hook(enter) for m in model.modules()]
    handles += [m.register_forward_hook(leave) for m in model.modules()]
    try:
        with torch.no_grad():
            call_model(model, inputs)
    except Exception:
        pass
    finally:
        for handle in handles:
            handle.remove()
    text = exception_text(error) + _calling_hint(inputs, error)
    if not stack:
        return f"the forward pass failed on {_inputs_words(inputs)}: {text}"
    name, module, shapes = stack[-1]
    kind = type(module).__name__
    where = f"layer '{name}' ({kind})" if name else f"the model's forward() ({kind})"
    return f"the forward pass failed in {where} on input {shapes}: {text}"


def _inputs_words(inputs: Inputs) -> str:
    if isinstance(inputs, ModelInputs):
        return f"the inputs {describe_inputs(inputs)}"
    return f"an input {describe_inputs(inputs)}"


def _calling_hint(inputs: Inputs, error: Exception) -> str:
    """How the model was called, when forward() refused the arguments themselves."""
    if not isinstance(inputs, ModelInputs) or not isinstance(error, TypeError):
        return ""
    if "argument" not in str(error):
        return ""
    args = ", ".join(f"input {i}" for i in range(len(inputs.args)))
    kwargs = ", ".join(f"{name}=..." for name in inputs.kwargs)
    called = ", ".join(part for part in (args, kwargs) if part)
    return (
        f" (the probes called model({called}) from the items' {len(inputs.parts())} inputs: "
        "every entry but the label of a tuple, every key but the label of a dict; return "
        "(inputs, label) from the Dataset if the other entries are not inputs)"
    )


def compute_loss(loss: Callable[..., Tensor], prediction: Tensor, targets: Tensor) -> Tensor:
    """The loss as a scalar tensor; ``ProbeFailure`` naming both shapes when it raises."""
    try:
        value = loss(prediction, targets)
    except Exception as error:
        raise ProbeFailure(loss_failure(prediction, targets, error)) from error
    return _scalar(value)


def loss_with_warnings(
    loss: Callable[..., Tensor], prediction: Tensor, targets: Tensor
) -> tuple[Tensor, list[str]]:
    """The loss and the warnings it raised (e.g. PyTorch's broadcasting warning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = loss(prediction, targets)
        except Exception as error:
            raise ProbeFailure(loss_failure(prediction, targets, error)) from error
    return _scalar(value), [str(w.message) for w in caught]


def _scalar(value: object) -> Tensor:
    if not isinstance(value, Tensor) or value.numel() != 1:
        raise ProbeFailure(
            f"the loss returned {describe_value(value)}; it must return a scalar tensor "
            "(reduce it with .mean())"
        )
    return value.reshape(())


def loss_failure(prediction: Tensor, targets: Tensor, error: Exception) -> str:
    return (
        f"the loss failed on a prediction of shape {shape(prediction)} ({dtype(prediction)}) "
        f"and a target of shape {shape(targets)} ({dtype(targets)}): {exception_text(error)}"
    )


def shape(tensor: Tensor) -> str:
    return "[" + ", ".join(str(size) for size in tensor.shape) + "]"


def dtype(tensor: Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def shapes_of(args: tuple[object, ...]) -> str:
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not tensors:
        return "without tensors"
    listed = ", ".join(shape(t) for t in tensors)
    return f"of shape {listed}" if len(tensors) == 1 else f"of shapes {listed}"


def exception_text(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def describe_value(value: object) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {shape(value)}"
    return f"a {type(value).__name__}"


# --- optimizers and training -------------------------------------------------------------
def make_optimizer(target: Target, model: nn.Module) -> torch.optim.Optimizer:
    """The user's optimizer on the fresh model's parameters."""
    require(target, "optimizer")
    factory = target.optimizer
    if factory is None:  # pragma: no cover - require() covers it
        raise ProbeFailure("the experiment has no 'optimizer'")
    try:
        optimizer = factory(model.parameters())
    except Exception as error:
        raise ProbeFailure(
            f"'optimizer' raised {exception_text(error)} when given the model's parameters"
        ) from error
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise ProbeFailure(
            f"'optimizer' must return a torch.optim.Optimizer; it returned "
            f"{describe_value(optimizer)}"
        )
    return optimizer


def learning_rate(optimizer: torch.optim.Optimizer) -> float | None:
    """The learning rate of the first parameter group, when it has one."""
    lr = optimizer.param_groups[0].get("lr") if optimizer.param_groups else None
    if isinstance(lr, Tensor):
        return float(lr)
    return float(lr) if isinstance(lr, (int, float)) else None


def is_adaptive(optimizer: torch.optim.Optimizer) -> bool:
    return type(optimizer).__name__ in ADAPTIVE_OPTIMIZERS


def training_loss(target: Target) -> Callable[..., Tensor]:
    """The user's loss, fed the prediction in the shape the user's own step feeds it."""
    require(target, "loss")
    if target.loss is None:  # pragma: no cover - require() covers it
        raise ProbeFailure("the experiment has no 'loss'")
    tail = step_prediction_tail(target)
    if tail is None:
        return target.loss
    loss = target.loss

    def as_the_step_feeds_it(prediction: Tensor, targets: Tensor) -> Tensor:
        return loss(reshaped(prediction, tail), targets)

    return as_the_step_feeds_it


def step_prediction(target: Target, prediction: Tensor) -> Tensor:
    """The model's output reshaped the way the user's ``train_step`` reshapes it for the loss."""
    tail = step_prediction_tail(target)
    return prediction if tail is None else reshaped(prediction, tail)


def reshaped(prediction: Tensor, tail: tuple[int, ...]) -> Tensor:
    if math.prod(prediction.shape[1:]) != math.prod(tail):
        return prediction  # another batch layout than the one the step was watched on
    return prediction.reshape(len(prediction), *tail)


class _LossReached(Exception):
    """Stops the user's step at its loss call, before anything is updated."""


#: Per target: the shape after the batch axis that the user's step gives the prediction
#: before the loss, where it differs from the model's output (``()`` for a squeeze of [N, 1]).
_STEP_TAILS: weakref.WeakKeyDictionary[Target, tuple[int, ...] | None] = weakref.WeakKeyDictionary()


def step_prediction_tail(target: Target) -> tuple[int, ...] | None:
    """How the user's ``train_step`` reshapes the model's output before its loss, if it does.

    A step that squeezes [N, 1] to [N] for BCEWithLogitsLoss is right, and a probe that fed the
    raw output to the loss would call it a shape fault. So the step is run once, on a fresh
    model and a small batch, with a loss that notes the prediction's shape and stops the step
    there (nothing is updated). A step that fails before its loss, or feeds it the output as it
    is, leaves the probes with the model's own output.
    """
    if target not in _STEP_TAILS:
        _STEP_TAILS[target] = _watch_step(target)
    return _STEP_TAILS[target]


def _watch_step(target: Target) -> tuple[int, ...] | None:
    step = target.train_step
    if step is None or target.loss is None or target.optimizer is None:
        return None
    seen: list[tuple[int, ...]] = []

    def noting_loss(prediction: object, *_: object, **__: object) -> Tensor:
        if isinstance(prediction, Tensor):
            seen.append(tuple(prediction.shape))
        raise _LossReached

    try:
        seed_everything()
        model, device = fresh_model(target)
        inputs, targets = sample(target, 8, device)
        output = forward(model, inputs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step(
                model,
                target.step_batch(inputs, targets),
                noting_loss,
                make_optimizer(target, model),
            )
    except _LossReached:
        pass
    except Exception:  # the step fails before its loss: train_step_check says why
        return None
    if not seen or seen[0] == tuple(output.shape) or not seen[0]:
        return None
    if seen[0][0] != len(output) or math.prod(seen[0]) != output.numel():
        return None
    return seen[0][1:]


def standard_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss: Callable[..., Tensor],
    inputs: Inputs,
    targets: Tensor,
) -> float:
    """One plain step (zero_grad, forward, loss, backward, step); returns the loss before it."""

    def closure() -> Tensor:
        optimizer.zero_grad(set_to_none=True)
        value = compute_loss(loss, forward(model, inputs), targets)
        value.backward()  # type: ignore[no-untyped-call]
        return value

    # torch types the closure as returning a float, but its optimizers pass on whatever the
    # closure returns, and optimizers written by users may call .item() on it: keep the tensor.
    value = optimizer.step(closure)  # type: ignore[arg-type]
    return float(value.detach()) if isinstance(value, Tensor) else math.nan


def user_step(
    target: Target,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: Inputs,
    targets: Tensor,
) -> float:
    """One step of the user's own ``train_step``; returns the loss it reports (or NaN)."""
    step = target.train_step
    if step is None:
        return standard_step(model, optimizer, training_loss(target), inputs, targets)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = step(model, target.step_batch(inputs, targets), target.loss, optimizer)
    except ProbeFailure:
        raise
    except Exception as error:
        raise ProbeFailure(f"the experiment's train_step raised {exception_text(error)}") from error
    return as_float(value)


#: Modules that behave differently in train and eval mode.
MODE_SENSITIVE = (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)


def mode_sensitive(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, MODE_SENSITIVE)]


def step_in_eval_mode(
    target: Target,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: Inputs,
    targets: Tensor,
) -> tuple[float, bool]:
    """One ``user_step`` from train mode; also whether it ran the model with its dropout or
    batch norm in eval mode (the step calls model.eval()), which turns training into
    evaluation: dropout off, batch norm on frozen running statistics."""
    sensitive = mode_sensitive(model)
    seen: list[bool] = []

    def record(module: nn.Module, args: tuple[object, ...]) -> None:
        seen.append(any(not m.training for m in sensitive))

    model.train()
    handle = model.register_forward_pre_hook(record)
    try:
        value = user_step(target, model, optimizer, inputs, targets)
    finally:
        handle.remove()
    in_eval = any(seen) if seen else any(not m.training for m in sensitive)
    return value, in_eval


def as_float(value: object) -> float:
    if isinstance(value, Tensor) and value.numel() == 1:
        return float(value.detach())
    if isinstance(value, (int, float)):
        return float(value)
    return math.nan


def evaluate_loss(
    model: nn.Module, loss: Callable[..., Tensor], inputs: Inputs, targets: Tensor
) -> float:
    """The loss in eval mode without gradients; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return float(compute_loss(loss, forward(model, inputs), targets))
    finally:
        model.train(was_training)


# --- what a blind guess would score -------------------------------------------------------
def chance_loss(target: Target, prediction: Tensor, targets: Tensor) -> float | None:
    """The loss a model that knows nothing should have at the start, or None if unknown."""
    kind = loss_kind(target.loss)
    if kind in ("cross_entropy", "nll"):
        classes = prediction.shape[1] if prediction.ndim > 1 else 1
        return math.log(classes) if classes > 1 else None
    if kind in ("bce", "bce_with_logits"):
        return math.log(2)
    values = targets.double()
    if kind == "mse" and values.numel() > 1:
        return float(values.var())
    if kind == "mae" and values.numel() > 1:
        return float((values - values.median()).abs().mean())
    return None
