"""The target: the user's model, data, loss and optimizer, from an experiment file or a dict.

A target file is a plain Python file with a function (default ``experiment``) that returns a
dict; see docs/architecture.md, contract 1. ``load_target`` imports it;
``Target.from_experiment`` checks every key and says what was found and what was expected
when a key is wrong.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from probes.batch import (
    BatchForm,
    Item,
    RawInputs,
    Unreadable,
    positional_inputs,
    readable_items,
    split_item,
)
from probes.errors import ProbeFailure, ProbeSkipped, TargetError
from probes.inputs import (
    Inputs,
    InputsError,
    ModelInputs,
    concat,
    examples_of_one,
    key_name,
    several,
)
from probes.spec import parse_target_spec

TASKS = ("regression", "binary", "multiclass", "multilabel")
KEYS = (
    "model",
    "train",
    "valid",
    "label",
    "loss",
    "optimizer",
    "task",
    "batch_size",
    "train_step",
)
DEFAULT_BATCH_SIZE = 32
#: Integer labels with at most this many distinct values are taken as classes.
MAX_CLASSES = 50
#: At most this many examples are read from a Dataset or DataLoader: probes need a sample only.
MAX_EXAMPLES = 10_000

DATA_FORMS = "(X, y) tensors or arrays, a Dataset, a DataLoader or a pandas DataFrame"
CLASSIFICATION_LOSSES = ("cross_entropy", "nll")
BINARY_LOSSES = ("bce", "bce_with_logits")
REGRESSION_LOSSES = ("mse", "mae", "huber")
_LOSS_KINDS = {
    nn.CrossEntropyLoss: "cross_entropy",
    nn.NLLLoss: "nll",
    nn.BCELoss: "bce",
    nn.BCEWithLogitsLoss: "bce_with_logits",
    nn.MSELoss: "mse",
    nn.L1Loss: "mae",
    nn.SmoothL1Loss: "huber",
    nn.HuberLoss: "huber",
}
_FUNCTIONAL_LOSSES = {
    "cross_entropy": "cross_entropy",
    "nll_loss": "nll",
    "binary_cross_entropy": "bce",
    "binary_cross_entropy_with_logits": "bce_with_logits",
    "mse_loss": "mse",
    "l1_loss": "mae",
    "smooth_l1_loss": "huber",
    "huber_loss": "huber",
}


def loss_kind(loss: object) -> str | None:
    """What kind of loss this is: ``cross_entropy``, ``mse``, ... ``other``; None for no loss."""
    if loss is None:
        return None
    for cls, kind in _LOSS_KINDS.items():
        if isinstance(loss, cls):
            return kind
    return _FUNCTIONAL_LOSSES.get(getattr(loss, "__name__", ""), "other")


class Target:
    """The user's experiment, checked, with its data as tensors and as a table."""

    def __init__(
        self,
        *,
        source: str,
        keys: frozenset[str],
        model_factory: Callable[[], nn.Module] | None,
        train: object,
        valid: object | None,
        label: str | None,
        loss: Callable[..., Tensor] | None,
        optimizer: Callable[..., torch.optim.Optimizer] | None,
        task: str | None,
        batch_size: int | None,
        train_step: Callable[..., Any] | None,
    ) -> None:
        self.source = source
        self.keys = keys
        self.label = label
        self.loss = loss
        self.optimizer = optimizer
        self.train_step = train_step
        self._model_factory = model_factory
        self._train = train
        self._valid = valid
        self._tensors: dict[str, tuple[Inputs, Tensor]] = {}
        #: How each of ``train`` and ``valid`` holds its items, for the user's own step
        self.forms: dict[str, BatchForm] = {}
        #: Dataset items whose ``__getitem__`` raised, by ``train``/``valid``
        self.unreadable: dict[str, Unreadable] = {}
        self.batch_size = batch_size or _loader_batch_size(train) or DEFAULT_BATCH_SIZE
        self.task = task

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_experiment(cls, experiment: dict[str, Any], source: str = "<memory>") -> Target:
        """Check the experiment dict and build a target; raises ``TargetError`` naming the key."""
        if not isinstance(experiment, dict):
            raise TargetError(
                f"the experiment must be a dict of {', '.join(KEYS)}; got {_describe(experiment)}"
            )
        _check_keys(experiment)
        model = experiment.get("model")
        target = cls(
            source=source,
            keys=frozenset(key for key, value in experiment.items() if value is not None),
            model_factory=_checked_model(model),
            train=experiment["train"],
            valid=experiment.get("valid"),
            label=_checked_label(experiment.get("label")),
            loss=_checked_loss(experiment.get("loss")),
            optimizer=_checked_optimizer(experiment.get("optimizer")),
            task=_checked_task(experiment.get("task")),
            batch_size=_checked_batch_size(experiment.get("batch_size")),
            train_step=_checked_train_step(experiment.get("train_step")),
        )
        target._check_data()
        if target.task is None:
            target.task = target._inferred_task()
        return target

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        label: str,
        valid: pd.DataFrame | None = None,
        source: str = "<table>",
    ) -> Target:
        """A data-only target: a table and its label column, for the data probes."""
        experiment: dict[str, Any] = {"train": frame, "label": label}
        if valid is not None:
            experiment["valid"] = valid
        return cls.from_experiment(experiment, source=source)

    # --- the model ----------------------------------------------------------------------
    def model(self) -> nn.Module:
        """A fresh model from the user's factory; ``ProbeFailure`` if there is none or it fails."""
        if self._model_factory is None:
            raise ProbeFailure("the experiment has no 'model', so this probe cannot run")
        try:
            model = self._model_factory()
        except Exception as error:
            raise ProbeFailure(_factory_failure(error)) from error
        if not isinstance(model, nn.Module):
            raise ProbeFailure(
                f"'model' must return a torch.nn.Module; it returned {_describe(model)}"
            )
        return model

    # --- the data -----------------------------------------------------------------------
    def train_tensors(self) -> tuple[Inputs, Tensor]:
        """Training inputs and targets as tensors (up to ``MAX_EXAMPLES`` of them); the inputs
        are a ``ModelInputs`` when the model takes several."""
        return self._tensors_of("train")

    def valid_tensors(self) -> tuple[Inputs, Tensor] | None:
        """Validation inputs and targets, or None without validation data."""
        return None if self._valid is None else self._tensors_of("valid")

    def train_frame(self) -> pd.DataFrame:
        """Training data as a table: the features and the label column."""
        return self._frame_of(self._train, "train")

    def valid_frame(self) -> pd.DataFrame | None:
        """Validation data as a table, or None without validation data."""
        return None if self._valid is None else self._frame_of(self._valid, "valid")

    def step_batch(self, inputs: Inputs, targets: Tensor) -> object:
        """A batch for the user's own ``train_step``, in the form the training items take."""
        self._tensors_of("train")
        return self.forms.get("train", BatchForm()).build(inputs, targets)

    @property
    def label_column(self) -> str:
        """The label column's name in ``train_frame``."""
        return self.label or "label"

    def describe(self) -> str:
        """One line on what the target holds, for a header or a log."""
        parts = [_model_summary(self._model_factory)] if self._model_factory else []
        parts.append(self._data_summary())
        if self.task:
            parts.append(f"task {self.task}")
        if self.loss is not None:
            parts.append(f"loss {_name_of(self.loss)}")
        if self.optimizer is not None:
            parts.append(f"optimizer {_optimizer_summary(self.optimizer)}")
        if self.train_step is not None:
            parts.append("own train_step")
        parts += [note for which, u in self.unreadable.items() if (note := u.note(which))]
        return "; ".join(parts)

    # --- internals ----------------------------------------------------------------------
    @functools.cached_property
    def _positional(self) -> int | None:
        """How many positional inputs the model takes, to read ``(x, y, weight)`` items right;
        None without a model or when its factory fails (the probes that need it say why). Read
        once: the training and the validation data both ask."""
        if self._model_factory is None:
            return None
        # Building the model draws from torch's random state; the data read next (a shuffling
        # loader) must see the same state as without this look.
        with torch.random.fork_rng(devices=[]):
            try:
                return positional_inputs(self.model())
            except ProbeFailure:
                return None

    def _tensors_of(self, which: str) -> tuple[Inputs, Tensor]:
        if which not in self._tensors:
            data = self._train if which == "train" else self._valid
            unreadable = self.unreadable.setdefault(which, Unreadable())
            inputs, targets, form = _to_tensors(
                data, which, self.label_column, self.loss, unreadable, self._positional
            )
            self._tensors[which], self.forms[which] = (inputs, targets), form
        inputs, targets = self._tensors[which]
        return inputs.clone(), targets.clone()

    def _frame_of(self, data: object, which: str) -> pd.DataFrame:
        if isinstance(data, pd.DataFrame):
            return data.copy()
        inputs, targets = self._tensors_of(which)
        levels = self._id_levels() if isinstance(inputs, ModelInputs) else {}
        return _frame_from_tensors(inputs, targets, self.label_column, levels)

    def _id_levels(self) -> dict[str, list[int]]:
        """The values of each id input across train and valid, so both tables get the same
        one-hot columns."""
        found: dict[str, set[int]] = {}
        for which in ("train", "valid") if self._valid is not None else ("train",):
            inputs, _ = self._tensors_of(which)
            if isinstance(inputs, ModelInputs):
                for name, values in _id_inputs(inputs).items():
                    found.setdefault(name, set()).update(torch.unique(values).tolist())
        return {name: sorted(values) for name, values in found.items()}

    def _check_data(self) -> None:
        self._check_one(self._train, "train")
        if self._valid is not None:
            self._check_one(self._valid, "valid")

    def _check_one(self, data: object, which: str) -> None:
        if isinstance(data, pd.DataFrame):
            _check_frame(data, which, self.label)
            return
        inputs, _ = self._tensors_of(which)
        if len(inputs) == 0:
            raise TargetError(_empty_message(which))

    def _inferred_task(self) -> str | None:
        try:
            if isinstance(self._train, pd.DataFrame):
                targets = _frame_labels(self._train, self.label_column, None)
            else:
                targets = self.train_tensors()[1]
        except (TargetError, ValueError, TypeError, KeyError):
            return None
        return infer_task(targets, self.loss)

    def _data_summary(self) -> str:
        rows = _row_count(self._train, self._tensors.get("train"))
        text = f"{rows:,} training examples"
        if self._valid is not None:
            text += f", {_row_count(self._valid, self._tensors.get('valid')):,} validation"
        return text


def load_target(spec: str) -> Target:
    """Import a target file (``path.py`` or ``path.py:function``) and build the target."""
    path, function = _split_spec(spec)
    module = _import_file(path)
    factory = getattr(module, function, None)
    if not callable(factory):
        raise TargetError(_missing_function_message(path, function, module))
    try:
        experiment = factory()
    except Exception as error:
        raise TargetError(
            f"{function}() in '{path}' raised {_exception_text(error)}{_user_line(error, path)}"
        ) from error
    return Target.from_experiment(experiment, source=f"{path}:{function}")


def infer_task(targets: Tensor, loss: object = None) -> str | None:
    """The task the targets and the loss point to (docs/architecture.md, contract 1).

    None for no targets.
    """
    if targets.numel() == 0:
        return None
    kind = loss_kind(loss)
    if targets.ndim == 2 and targets.shape[1] > 1:
        return _infer_matrix_task(targets, kind)
    values = targets.reshape(-1)
    if not values.is_floating_point() and values.dtype != torch.bool:
        if kind in REGRESSION_LOSSES:
            return "regression"
        return _classes_task(values) or "regression"
    if kind in BINARY_LOSSES:
        return "binary"
    if kind in CLASSIFICATION_LOSSES:
        return _classes_task(values) or "multiclass"
    if kind is None and _is_zero_one(values):
        return "binary"
    return "regression"


def _infer_matrix_task(targets: Tensor, kind: str | None) -> str:
    if _is_zero_one(targets) and bool((targets.sum(dim=1) == 1).all()):
        return "multiclass"
    if _is_zero_one(targets) and kind not in REGRESSION_LOSSES:
        return "multilabel"
    return "multiclass" if kind in CLASSIFICATION_LOSSES else "regression"


def _classes_task(values: Tensor) -> str | None:
    finite = values[torch.isfinite(values.double())]
    if finite.numel() == 0 or not bool((finite == finite.round()).all()):
        return None
    distinct = int(torch.unique(finite).numel())
    if distinct > MAX_CLASSES:
        return None
    return "binary" if distinct <= 2 else "multiclass"


def _is_zero_one(values: Tensor) -> bool:
    as_float = values.double()
    return bool(((as_float == 0) | (as_float == 1)).all())


# --- key checks -------------------------------------------------------------------------
def _check_keys(experiment: dict[str, Any]) -> None:
    for key in experiment:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise TargetError(
                f"unknown key {key!r} in the experiment; expected only {', '.join(KEYS)}.{hint}"
            )
    if experiment.get("train") is None:
        raise TargetError(
            f"'train' is missing: the experiment must give its training data as {DATA_FORMS}"
        )


def _checked_model(model: object) -> Callable[[], nn.Module] | None:
    if model is None:
        return None
    if isinstance(model, nn.Module):
        name = type(model).__name__
        raise TargetError(
            "'model' must be a callable that takes no arguments and returns a fresh "
            f"torch.nn.Module; got {_article(name)} {name} instance. Wrap it: "
            f"lambda: {name}(...) (probes need a fresh model each time)"
        )
    if not callable(model):
        raise TargetError(
            "'model' must be a callable that takes no arguments and returns a fresh "
            f"torch.nn.Module; got {_describe(model)}"
        )
    return model


def _checked_optimizer(optimizer: object) -> Callable[..., torch.optim.Optimizer] | None:
    if optimizer is None:
        return None
    expected = (
        "'optimizer' must be a callable that takes the model's parameters and returns a "
        "torch.optim.Optimizer"
    )
    if isinstance(optimizer, torch.optim.Optimizer):
        name = type(optimizer).__name__
        lr = optimizer.param_groups[0].get("lr", 1e-3) if optimizer.param_groups else 1e-3
        raise TargetError(
            f"{expected}; got {_article(name)} {name} instance. Wrap it: "
            f"lambda params: torch.optim.{name}(params, lr={format_lr(float(lr))})"
        )
    if not callable(optimizer):
        raise TargetError(f"{expected}; got {_describe(optimizer)}")
    return optimizer


def _checked_loss(loss: object) -> Callable[..., Tensor] | None:
    if loss is None:
        return None
    if isinstance(loss, type):
        raise TargetError(
            "'loss' must be a loss module or a function (prediction, target) -> tensor; "
            f"got the class {loss.__name__} itself. Create one: {loss.__name__}()"
        )
    if not callable(loss):
        raise TargetError(
            "'loss' must be a loss module or a function (prediction, target) -> tensor; "
            f"got {_describe(loss)}"
        )
    return loss


def _checked_train_step(step: object) -> Callable[..., Any] | None:
    if step is not None and not callable(step):
        raise TargetError(
            "'train_step' must be a function (model, batch, loss, optimizer) -> float; "
            f"got {_describe(step)}"
        )
    return step


def _checked_task(task: object) -> str | None:
    if task is not None and task not in TASKS:
        raise TargetError(f"'task' must be one of {', '.join(TASKS)}; got {task!r}")
    return task


def _checked_label(label: object) -> str | None:
    if label is not None and not isinstance(label, str):
        raise TargetError(f"'label' must name a column as a string; got {_describe(label)}")
    return label


def _checked_batch_size(size: object) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise TargetError(f"'batch_size' must be a positive int; got {_describe(size)}")
    return size


def _check_frame(frame: pd.DataFrame, which: str, label: str | None) -> None:
    if label is None:
        raise TargetError(
            f"'{which}' is a DataFrame, so 'label' must name its target column; got none. "
            f"Columns: {_columns(frame)}"
        )
    if label not in frame.columns:
        raise TargetError(
            f"'label' names the column {label!r}, which '{which}' does not have; "
            f"columns: {_columns(frame)}"
        )
    if len(frame) == 0:
        raise TargetError(_empty_message(which))


def _empty_message(which: str) -> str:
    return f"'{which}' is empty: it holds 0 examples. Give it at least one batch of data"


# --- data conversion --------------------------------------------------------------------
def _to_tensors(
    data: object,
    which: str,
    label: str,
    loss: object,
    unreadable: Unreadable | None = None,
    positional: int | None = None,
) -> tuple[Inputs, Tensor, BatchForm]:
    if isinstance(data, pd.DataFrame):
        inputs = _frame_inputs(data, label)
        return inputs, _frame_labels(data, label, loss), BatchForm()
    if isinstance(data, (tuple, list)):
        return (*_pair_tensors(data, which), BatchForm())
    if isinstance(data, DataLoader):
        return _collect(_loader_batches(data, positional), which)
    if isinstance(data, Dataset) or _sequence_like(data):
        unreadable = unreadable if unreadable is not None else Unreadable()
        items = _dataset_items(data, which, unreadable, positional)
        return _collect(items, which, stacked=False, unreadable=unreadable)
    raise TargetError(f"'{which}' must be {DATA_FORMS}; got {_describe(data)}")


def _sequence_like(data: object) -> bool:
    if isinstance(data, (str, bytes, dict)):
        return False
    return hasattr(data, "__getitem__") and hasattr(data, "__len__")


def _pair_tensors(data: tuple[Any, ...] | list[Any], which: str) -> tuple[Inputs, Tensor]:
    if len(data) != 2:
        raise TargetError(
            f"'{which}' must be a pair (X, y) of inputs and targets; got a "
            f"{type(data).__name__} of {len(data)} items"
        )
    # A list of rows is one input; only a tuple or a dict of tensors is several.
    if isinstance(data[0], (tuple, Mapping)):
        targets = _as_tensor(data[1], which, "y")
        raw = split_item(data, f"'{which}'").inputs
        inputs = _input_tensors(raw, which, len(targets), "X")
    else:
        inputs = _as_tensor(data[0], which, "X")
        targets = _as_tensor(data[1], which, "y")
    if len(inputs) != len(targets):
        raise TargetError(
            f"'{which}' has {len(inputs)} inputs but {len(targets)} targets; "
            "X and y need one row per example"
        )
    return inputs, targets


def _input_tensors(raw: object, which: str, examples: int | None, part: str = "inputs") -> Inputs:
    """One input as a tensor, or several as ``ModelInputs``; ``examples`` is the batch's size
    (None for one Dataset item, whose parts each get a leading axis)."""
    if not isinstance(raw, RawInputs):
        tensor = _as_tensor(raw, which, part)
        return tensor if examples is not None else examples_of_one(tensor)
    args = [_as_tensor(v, which, f"model {key_name(i)}") for i, v in enumerate(raw.args)]
    kwargs = {k: _as_tensor(v, which, f"model {key_name(k)}") for k, v in raw.kwargs.items()}
    if examples is None:
        return examples_of_one(ModelInputs(tuple(args), kwargs))
    try:
        return several(args, kwargs, examples)
    except InputsError as error:
        raise TargetError(f"'{which}': {error}") from error


def _as_tensor(value: object, which: str, part: str) -> Tensor:
    if isinstance(value, Tensor):
        if value.is_cuda:
            return value.detach().cpu()
        return value.detach()
    if isinstance(value, (pd.DataFrame, pd.Series)):
        value = value.to_numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TargetError(
            f"'{which}' {part} must be a tensor or an array; got {_describe(value)}"
        ) from error
    if array.dtype.kind not in "biuf":
        raise TargetError(
            f"'{which}' {part} must hold numbers; got an array of {array.dtype} "
            f"(for example {array.reshape(-1)[:1].tolist()}). Encode them as numbers first"
        )
    if array.dtype.kind == "f":
        array = array.astype(np.float32)
    return torch.from_numpy(np.array(array, copy=True))


def _loader_batches(loader: DataLoader[Any], positional: int | None) -> Iterable[Item]:
    seen = 0
    for batch in _without_workers(loader):
        item = split_item(batch, "a DataLoader batch", positional)
        yield item
        seen += len(item.targets) if hasattr(item.targets, "__len__") else 1
        if seen >= MAX_EXAMPLES:
            return


def _without_workers(loader: DataLoader[Any]) -> DataLoader[Any]:
    """The same batches read in this process: probes run in a child process of their own,
    where starting the loader's worker processes can fail (a broken pipe) or hang, and a
    sample of a few thousand examples needs no workers."""
    if loader.num_workers == 0:
        return loader
    if loader.batch_size is None:  # the dataset yields whole batches itself
        return DataLoader(loader.dataset, batch_size=None, collate_fn=loader.collate_fn)
    if isinstance(loader.dataset, IterableDataset):  # it orders itself: no sampler allowed
        return DataLoader(
            loader.dataset,
            batch_size=loader.batch_size,
            collate_fn=loader.collate_fn,
            drop_last=loader.drop_last,
        )
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=loader.sampler,
        collate_fn=loader.collate_fn,
        drop_last=loader.drop_last,
    )


def _dataset_items(
    dataset: Any, which: str, unreadable: Unreadable, positional: int | None
) -> Iterable[Item]:
    size = len(dataset)
    indices: Iterable[int] = range(size)
    if size > MAX_EXAMPLES:
        picked = np.random.default_rng(0).choice(size, MAX_EXAMPLES, replace=False)
        indices = sorted(int(index) for index in picked)
    return readable_items(dataset, indices, which, unreadable, positional)


def _collect(
    items: Iterable[Item],
    which: str,
    stacked: bool = True,
    unreadable: Unreadable | None = None,
) -> tuple[Inputs, Tensor, BatchForm]:
    inputs: list[Inputs] = []
    targets: list[Tensor] = []
    form = BatchForm()
    for item in items:
        y_tensor = _as_tensor(item.targets, which, "targets")
        examples = (len(y_tensor) if y_tensor.ndim else 1) if stacked else None
        inputs.append(_input_tensors(item.inputs, which, examples))
        targets.append(y_tensor if stacked else y_tensor.reshape(1, *y_tensor.shape))
        form = item.form if len(inputs) == 1 else form
    if not inputs and unreadable is not None and unreadable.count:
        raise TargetError(
            f"'{which}' could not be read: every one of its {unreadable.count} items raised "
            f"when read (item {unreadable.first}). Check the Dataset's __getitem__"
        )
    if not inputs:
        raise TargetError(_empty_message(which))
    try:
        return concat(inputs, repad=stacked), torch.cat(targets), form
    except (InputsError, RuntimeError) as error:
        hint = "" if stacked else RAGGED_ITEMS
        raise TargetError(
            f"the examples in '{which}' have different shapes, so they cannot be stacked into "
            f"one batch: {error}{hint}"
        ) from error


#: What to hand over instead of a Dataset whose items differ in length.
RAGGED_ITEMS = (
    ". Hand over the DataLoader with the collate_fn that pads them (or builds EmbeddingBag "
    "offsets), so the probes see batches as the model does"
)


def _frame_inputs(frame: pd.DataFrame, label: str) -> Tensor:
    features = frame.drop(columns=[label])
    text = [name for name in features.columns if not _is_numeric(features[name])]
    if text:
        features = pd.get_dummies(features, columns=text, dtype=float)
    values = features.to_numpy(dtype=np.float32, na_value=np.nan)
    return torch.from_numpy(np.array(values, copy=True))


def _frame_labels(frame: pd.DataFrame, label: str, loss: object) -> Tensor:
    column = frame[label]
    if not _is_numeric(column):
        example = column.dropna().iloc[0] if column.notna().any() else None
        raise TargetError(
            f"the label column {label!r} holds {column.dtype} values such as {example!r}, not "
            "numbers; encode the classes as integers 0..C-1 before training"
        )
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    kind = loss_kind(loss)
    integral = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    if kind in CLASSIFICATION_LOSSES and integral:
        return torch.from_numpy(values.astype(np.int64))
    if kind is None and integral and pd.api.types.is_integer_dtype(column):
        return torch.from_numpy(values.astype(np.int64))
    return torch.from_numpy(values.astype(np.float32))


def _frame_from_tensors(
    inputs: Inputs, targets: Tensor, label: str, levels: dict[str, list[int]] | None = None
) -> pd.DataFrame:
    if isinstance(inputs, ModelInputs):
        frame = _frame_of_several(inputs, levels or {})
    else:
        flat = inputs.reshape(len(inputs), -1).numpy()
        frame = pd.DataFrame(flat, columns=[f"x{i}" for i in range(flat.shape[1])])
    frame[label] = _label_values(targets)
    return frame


#: An integer input of its own with at most this many values is a category id, shown to the
#: data probes one-hot; with more (tokens, user ids) it is left out.
MAX_ID_LEVELS = 50


def _frame_of_several(inputs: ModelInputs, levels: dict[str, list[int]]) -> pd.DataFrame:
    """The inputs side by side, as the model reads them: real values one column each
    (``numeric_0``...), and a category id one-hot (``category=3``...).

    An integer input of its own is an id the model embeds, not an amount: an embedding is a
    linear map of its one-hot code, so that is the honest column for the checks on scales and
    categories. Ids with many values, token sequences and EmbeddingBag tokens are left out, and
    a target with nothing else gives the data probes nothing to check.
    """
    columns: dict[str, np.ndarray] = {}
    for key, value in inputs.per_example():
        if not (value.is_floating_point() or value.dtype == torch.bool):
            continue
        flat = value.reshape(len(value), -1).float().cpu().numpy()
        name = _column_name(key)
        if flat.shape[1] == 1:
            columns[name] = flat[:, 0]
        else:
            columns.update({f"{name}_{i}": flat[:, i] for i in range(flat.shape[1])})
    for name, values in _id_inputs(inputs).items():
        codes = values.cpu().numpy()
        for level in levels.get(name, sorted(set(codes.tolist()))):
            columns[f"{name}={level}"] = (codes == level).astype(np.float32)
    if not columns:
        raise ProbeSkipped(
            f"the model's inputs ({inputs.describe()}) hold no real-valued features, only ids "
            "or tokens the model embeds, so there is no table of features to check"
        )
    return pd.DataFrame(columns)


def _column_name(key: int | str) -> str:
    return f"input{key}" if isinstance(key, int) else key


def _id_inputs(inputs: ModelInputs) -> dict[str, Tensor]:
    """Integer inputs that hold one id per example with few enough values to be categories."""
    found: dict[str, Tensor] = {}
    for key, value in inputs.per_example():
        if value.is_floating_point() or value.dtype == torch.bool:
            continue
        ids = value.reshape(len(value), -1)
        if ids.shape[1] == 1 and int(torch.unique(ids).numel()) <= MAX_ID_LEVELS:
            found[_column_name(key)] = ids[:, 0]
    return found


def _label_values(targets: Tensor) -> np.ndarray:
    if targets.ndim == 1:
        return targets.numpy()
    flat = targets.reshape(len(targets), -1)
    if flat.shape[1] == 1:
        return flat[:, 0].numpy()
    if _is_zero_one(flat) and bool((flat.sum(dim=1) == 1).all()):
        return flat.argmax(dim=1).numpy()
    return flat[:, 0].numpy()


def _is_numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def _loader_batch_size(data: object) -> int | None:
    if isinstance(data, DataLoader) and isinstance(data.batch_size, int):
        return data.batch_size
    return None


def _row_count(data: object, tensors: tuple[Inputs, Tensor] | None) -> int:
    if isinstance(data, pd.DataFrame):
        return len(data)
    return len(tensors[0]) if tensors is not None else 0


# --- importing a file -------------------------------------------------------------------
def _split_spec(spec: str) -> tuple[str, str]:
    target = parse_target_spec(spec)
    if not target.file.is_file():
        raise TargetError(
            f"no target file at '{target.path}': the path does not exist. Give a Python file "
            "that defines experiment(), as path/to/file.py or path/to/file.py:function"
        )
    return target.path, target.function


def _import_file(path: str) -> Any:
    resolved = Path(path).resolve()
    name = f"unstuck_target_{abs(hash(str(resolved)))}"
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise TargetError(f"'{path}' cannot be imported as Python; give a .py file")
    module = importlib.util.module_from_spec(spec)
    folder = str(resolved.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        raise TargetError(
            f"importing '{path}' raised {_exception_text(error)}{_user_line(error, path)}"
        ) from error
    return module


def _missing_function_message(path: str, function: str, module: Any) -> str:
    found = sorted(
        name
        for name, value in vars(module).items()
        if callable(value)
        and not name.startswith("_")
        and getattr(value, "__module__", None) == module.__name__
    )
    listing = ", ".join(found) if found else "none"
    return (
        f"'{path}' has no function '{function}'; functions defined there: {listing}. "
        f"Define {function}() returning a dict, or name another with {path}:NAME"
    )


def _exception_text(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _user_line(error: BaseException, path: str) -> str:
    resolved = str(Path(path).resolve())
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == resolved
    ]
    if not frames:
        return ""
    return f" (line {frames[-1].lineno})"


# --- descriptions -----------------------------------------------------------------------
def _describe(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, (str, int, float, bool)):
        return f"{type(value).__name__} {value!r}"
    name = type(value).__name__
    return f"{_article(name)} {name}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _columns(frame: pd.DataFrame) -> str:
    names = [str(name) for name in frame.columns]
    shown = ", ".join(names[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _name_of(value: object) -> str:
    return getattr(value, "__name__", None) or type(value).__name__


def _model_summary(factory: Callable[[], nn.Module]) -> str:
    try:
        model = factory()
    except Exception as error:
        return f"model: building it raised {_exception_text(error)}"
    if not isinstance(model, nn.Module):
        return f"model: the factory returned {_describe(model)}"
    count = sum(p.numel() for p in model.parameters())
    return f"model {type(model).__name__} ({count:,} parameters)"


def _optimizer_summary(factory: Callable[..., torch.optim.Optimizer]) -> str:
    probe = nn.Linear(1, 1)
    try:
        optimizer = factory(probe.parameters())
    except Exception:
        return _name_of(factory)
    lr = optimizer.param_groups[0].get("lr") if optimizer.param_groups else None
    name = type(optimizer).__name__
    return f"{name} (lr {format_lr(float(lr))})" if isinstance(lr, (int, float)) else name


def format_lr(lr: float) -> str:
    """A learning rate as people write it: 0.1, 0.01, 1e-3, 3e-4."""
    if lr == 0 or lr >= 0.01:
        return f"{lr:.2g}"
    mantissa, exponent = f"{lr:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def _factory_failure(error: Exception) -> str:
    text = _exception_text(error)
    if "cuda" in text.lower() and not torch.cuda.is_available():
        return (
            f"the model is on CUDA but this machine has no GPU: {text}. Run the probes where "
            "the GPU is, or build the model on the CPU when torch.cuda.is_available() is False"
        )
    return f"building the model raised {text}"
