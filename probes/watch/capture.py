"""A ``Target`` from what a watcher captured: the model before its first update, the batches
it saw (or the Dataset behind the loader, when its items look like those batches), the loss,
and an optimizer of the same class with the same settings."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset

from probes.errors import TargetError
from probes.inputs import Inputs, InputsError, ModelInputs, concat
from probes.target import Target
from probes.watch.recording import ModelInfo, OptimizerInfo, Recording


def main_model(recording: Recording) -> ModelInfo | None:
    """The model the probes should use: trained, stepped, and feeding the loss most often.

    In a GAN the discriminator's output reaches the loss in both steps, so it is chosen.
    """
    stepped = set().union(*(info.parameter_ids for info in recording.optimizers))
    trained = [
        m
        for m in recording.models
        if m.forwards_in_training and any(id(p) in stepped for p in m.module.parameters())
    ]
    candidates = trained or recording.models
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.feeds_loss)


def build_target(recording: Recording, main: ModelInfo | None, source: str) -> Target:
    """The captured experiment as a ``Target``; ``TargetError`` when nothing usable was seen."""
    train = _train_data(recording)
    if train is None:
        raise TargetError(
            "no training batch was captured: no model's input and no loss target with the "
            "same number of examples were seen, so the probes have no data to run on"
        )
    experiment: dict[str, Any] = {"train": train}
    if main is not None and main.initial is not None:
        experiment["model"] = _factory(main.initial)
    if recording.loss_function is not None:
        experiment["loss"] = recording.loss_function
    optimizer = _main_optimizer(recording, main)
    if optimizer is not None:
        experiment["optimizer"] = optimizer_factory(optimizer)
    if recording.valid_batches:
        experiment["valid"] = _as_data(*_stacked(recording.valid_batches))
    if recording.train_batches:
        experiment["batch_size"] = len(recording.train_batches[0][0])
    return Target.from_experiment(experiment, source=source)


def optimizer_factory(info: OptimizerInfo) -> Callable[..., torch.optim.Optimizer]:
    """Builds an optimizer of the captured class with the captured settings."""
    accepted = _accepted(info.kind)
    settings = {k: v for k, v in info.settings.items() if accepted is None or k in accepted}

    def make(params: Any) -> torch.optim.Optimizer:
        return info.kind(params, **settings)  # type: ignore[no-any-return]

    make.__name__ = info.name
    return make


def _accepted(kind: type) -> set[str] | None:
    try:
        parameters = inspect.signature(kind).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


def _factory(initial: nn.Module) -> Callable[[], nn.Module]:
    def fresh() -> nn.Module:
        return copy.deepcopy(initial)

    fresh.__name__ = type(initial).__name__
    return fresh


def _main_optimizer(recording: Recording, main: ModelInfo | None) -> OptimizerInfo | None:
    if not recording.optimizers:
        return None
    if main is not None:
        ids = {id(p) for p in main.module.parameters()}
        for info in recording.optimizers:
            if ids & info.parameter_ids:
                return info
    return recording.optimizers[0]


def _train_data(recording: Recording) -> object | None:
    batches = recording.train_batches
    dataset = _loader_dataset(recording.train_loader)
    if dataset is not None and batches and _items_match(dataset, batches[0]):
        return dataset
    if not batches:
        return None
    return _as_data(*_stacked(batches))


def _loader_dataset(loader: object) -> Dataset[Any] | None:
    if isinstance(loader, DataLoader) and isinstance(loader.dataset, Dataset):
        return loader.dataset
    return None


def _items_match(dataset: Dataset[Any], batch: tuple[Inputs, Tensor]) -> bool:
    """Whether the dataset's items are (input, target) pairs shaped like one example of the
    batches that reached the model: if the loop reshapes or moves them, the batches are
    what the model takes."""
    try:
        item = dataset[0]
    except Exception:
        return False
    if isinstance(item, dict):
        item = tuple(item.values())
    if not isinstance(item, (tuple, list)) or len(item) < 2:
        return False
    inputs, targets = batch
    if isinstance(inputs, ModelInputs):
        # (x1, x2, y) items for model(x1, x2); a bag's items differ in length from its batches,
        # and inputs taken by name are handed over as the batches that reached the model
        parts = [value for _, value in inputs.parts()]
        if inputs.kwargs or inputs.bag is not None or len(item) != len(parts) + 1:
            return False
        pairs = [*zip(item[:-1], parts, strict=True), (item[-1], targets)]
    else:
        pairs = [(item[0], inputs), (item[1], targets)]
    try:
        return all(
            tuple(torch.as_tensor(entry).shape) == tuple(seen.shape[1:]) for entry, seen in pairs
        )
    except (TypeError, ValueError, RuntimeError):
        return False


def _as_data(inputs: Inputs, targets: Tensor) -> tuple[object, Tensor]:
    """Captured batches as a target file gives them: ``(X, y)``, ``((x1, x2), y)`` for a model
    called with several tensors, ``({"x": ..., "lengths": ...}, y)`` for one called by name."""
    if isinstance(inputs, ModelInputs) and inputs.kwargs:
        return dict(inputs.kwargs), targets
    if isinstance(inputs, ModelInputs):
        return tuple(inputs.args), targets
    return inputs, targets


def _stacked(batches: list[tuple[Inputs, Tensor]]) -> tuple[Inputs, Tensor]:
    # A model taken by keyword is registered at its first call, so its keywords are seen from
    # the second batch on: the batches with all the inputs win over those with the first alone.
    several = [(x, y) for x, y in batches if isinstance(x, ModelInputs)]
    if several:
        try:  # sequences padded per batch are padded again; bag offsets are shifted
            return concat([x for x, _ in several]), torch.cat([y for _, y in several])
        except (InputsError, RuntimeError):
            return several[0]
    single = [(x, y) for x, y in batches if isinstance(x, Tensor)]
    shape_x, shape_y = single[0][0].shape[1:], single[0][1].shape[1:]
    same = [(x, y) for x, y in single if x.shape[1:] == shape_x and y.shape[1:] == shape_y]
    return torch.cat([x for x, _ in same]), torch.cat([y for _, y in same])
