"""One example or batch of the user's data, as the inputs, the targets and the form it came in.

A custom ``Dataset`` returns pairs, or dicts such as ``{"input_ids": ..., "label": ...}``; the
label is found by its key's name, never by its position, since a dict written label-first is
as common as one written label-last. The inputs may be several tensors, and how an item holds
them says how the model takes them:

- a dict with several input keys, ``{"numeric": ..., "category": ..., "label": ...}``, or one
  input key holding a dict of tensors (``{"inputs": {...}, "label": ...}``): keyword inputs,
  ``model(numeric=..., category=...)``;
- a pair whose first entry is a tuple or list of tensors, ``((tokens, offsets), label)``, or a
  tuple of three or more, ``(tokens, offsets, label)`` (the label last): positional inputs,
  ``model(tokens, offsets)``. The PyTorch text tutorial's ``(label, tokens, offsets)`` is told
  apart by its pattern: the last entry is EmbeddingBag offsets, not labels. When the model's
  ``forward`` takes fewer positional inputs than that, the item is ``(x, y, extras...)`` (a sample
  weight, an index, a path) and the entries after the label are left out.

Deeper nesting (a dict inside the dict of inputs) is refused with a message that says what was
seen and how to hand it over. The form is kept (``BatchForm``), so that the user's own
``train_step`` gets batches shaped as its own loader makes them.

A Dataset whose ``__getitem__`` raises on some indices (a missing file, a corrupt record) is
read around those indices: the probes need a sample, and the skipped items are counted so
the target can say how many it could not read and why.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from torch import Tensor

from probes.errors import TargetError
from probes.inputs import Inputs, ModelInputs, looks_like_offsets, tensors_in

#: Keys a dict item may name its targets by, tried in this order (case-insensitive).
LABEL_KEYS = ("label", "labels", "target", "targets", "y", "class", "classes")
#: Items that raise are skipped until this many have; then reading stops with an error.
MAX_UNREADABLE_SHARE = 0.5


@dataclass(frozen=True)
class RawInputs:
    """Several model inputs as an item holds them, before they are made tensors."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchForm:
    """How the user's items hold inputs and targets, to hand their ``train_step`` the same."""

    kind: Literal["pair", "flat", "label_first", "dict"] = "pair"
    keys: tuple[str, ...] = ()
    """A dict's keys in the item's order, the label's included."""
    label: str = ""
    """A dict's label key."""
    inner: str = ""
    """A dict's key that holds the dict of keyword inputs, if the inputs are nested."""

    def build(self, inputs: Inputs, targets: Tensor) -> object:
        """A batch in this form: ``(x, y)``, ``(x1, x2, y)`` or ``{"x": ..., "label": y}``."""
        if self.kind == "flat" and isinstance(inputs, ModelInputs):
            return (*inputs.args, targets)
        if self.kind == "label_first" and isinstance(inputs, ModelInputs):
            return (targets, *inputs.args)
        if self.kind == "dict":
            return self._dict(inputs, targets)
        return (_as_given(inputs), targets)

    def _dict(self, inputs: Inputs, targets: Tensor) -> dict[str, object]:
        if self.inner and isinstance(inputs, ModelInputs):
            values: dict[str, object] = {self.inner: dict(inputs.kwargs)}
        elif isinstance(inputs, ModelInputs):
            values = dict(inputs.kwargs)
        else:
            values = {key: inputs for key in self.keys if key != self.label}
        values[self.label] = targets
        return {key: values[key] for key in self.keys if key in values}


def _as_given(inputs: Inputs) -> object:
    if not isinstance(inputs, ModelInputs):
        return inputs
    if inputs.kwargs and not inputs.args:
        return dict(inputs.kwargs)
    return list(inputs.args)


@dataclass(frozen=True)
class Item:
    """One item or batch split: the inputs (one value, or ``RawInputs``), the targets, the form."""

    inputs: Any
    targets: Any
    form: BatchForm = BatchForm()


def positional_inputs(model: object) -> int | None:
    """How many positional inputs the model's ``forward`` takes, defaults included; None when it
    takes any number (``*args``) or its signature cannot be read."""
    try:
        signature = inspect.signature(getattr(model, "forward", model))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count or None


def split_item(item: object, what: str, positional: int | None = None) -> Item:
    """The inputs and targets of one example or batch: a pair, a tuple, or a dict with a label.

    ``positional`` is how many positional inputs the model takes (``positional_inputs``), to
    tell ``(x1, x2, y)`` from ``(x, y, weight)``; None reads every entry but the last as inputs.
    """
    if isinstance(item, Mapping):
        return _split_mapping(item, what)
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return Item(_pair_inputs(item[0], what), item[1])
    if isinstance(item, (tuple, list)) and len(item) > 2 and _label_first(item):
        return Item(RawInputs(args=tuple(item[1:])), item[0], BatchForm("label_first"))
    if isinstance(item, (tuple, list)) and len(item) > 2:
        if positional is not None and positional < len(item) - 1:
            inputs = item[0] if positional == 1 else RawInputs(args=tuple(item[:positional]))
            return Item(inputs, item[positional], BatchForm("flat"))
        return Item(RawInputs(args=tuple(item[:-1])), item[-1], BatchForm("flat"))
    raise TargetError(f"{what} must be a pair (inputs, targets); got {_kind(item)}")


def _label_first(item: tuple[Any, ...] | list[Any]) -> bool:
    """Whether a batch is ``(label, tokens, offsets)``, as the PyTorch text tutorial's collate_fn
    makes it: the last entry is EmbeddingBag offsets (one per example, from 0, never falling)
    into a longer 1-D entry before it, and the first entry has one row per example."""
    if not all(isinstance(entry, Tensor) for entry in item):
        return False
    first, last = item[0], item[-1]
    examples = len(last) if last.ndim == 1 else -1
    if not looks_like_offsets(last, examples) or first.ndim == 0 or len(first) != examples:
        return False
    end = int(last[-1])
    return any(
        entry.ndim == 1 and len(entry) != examples and end <= len(entry) for entry in item[1:-1]
    )


def _pair_inputs(inputs: object, what: str) -> object:
    if isinstance(inputs, Mapping):
        return RawInputs(kwargs=_keyword_inputs(inputs, what, "its inputs"))
    if isinstance(inputs, (tuple, list)) and tensors_in(inputs):
        return RawInputs(args=tuple(inputs))
    return inputs


def _split_mapping(item: Mapping[Any, Any], what: str) -> Item:
    keys = {str(key).lower(): key for key in item}
    label = next((keys[name] for name in LABEL_KEYS if name in keys), None)
    if label is None:
        raise TargetError(
            f"{what} is a dict with keys {_key_list(item)} and none of them names the target; "
            f"expected one of {', '.join(LABEL_KEYS)}. Rename the target's key to 'label'"
        )
    names = [key for key in item if key != label]
    form = BatchForm("dict", keys=tuple(str(key) for key in item), label=str(label))
    if not names:
        raise TargetError(
            f"{what} is a dict that holds only the target {label!r}; expected the model's "
            "inputs beside it, such as {'features': ..., 'label': ...}"
        )
    if len(names) > 1:
        inputs = {name: item[name] for name in names}
        return Item(RawInputs(kwargs=_keyword_inputs(inputs, what, "")), item[label], form)
    value = item[names[0]]
    if isinstance(value, Mapping):
        where = f"'{names[0]}'"
        inner = RawInputs(kwargs=_keyword_inputs(value, what, where))
        return Item(inner, item[label], BatchForm("dict", form.keys, str(label), str(names[0])))
    return Item(value, item[label], form)


def _keyword_inputs(inputs: Mapping[Any, Any], what: str, where: str) -> dict[str, Any]:
    for name, value in inputs.items():
        if isinstance(value, Mapping):
            place = f"{where}, " if where else ""
            raise TargetError(
                f"{what} nests its inputs too deep ({place}{name!r} holding a dict of "
                f"{_key_list(value)}); the probes call the model with keyword inputs from one "
                "dict. Return the input tensors side by side, as {'ids': ..., 'mask': ..., "
                "'label': ...}, or one key holding a dict of tensors"
            )
    return {str(name): value for name, value in inputs.items()}


def _key_list(item: Mapping[Any, Any]) -> str:
    return ", ".join(repr(key) for key in item)


def _kind(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


@dataclass
class Unreadable:
    """Items of a Dataset whose ``__getitem__`` raised: how many, and the first failure."""

    count: int = 0
    tried: int = 0
    first: str = ""
    indices: list[int] = field(default_factory=list)

    def note(self, which: str) -> str:
        """A sentence for the target's description; empty when every item was read."""
        if not self.count:
            return ""
        return (
            f"{self.count} of {self.tried} '{which}' items raised when read and were left out "
            f"(item {self.first})"
        )


def readable_items(
    dataset: Any,
    indices: Iterable[int],
    which: str,
    unreadable: Unreadable,
    positional: int | None = None,
) -> Iterator[Item]:
    """The inputs and targets of each index whose item reads; failures counted in ``unreadable``.

    A target error (a dict without a label, inputs nested too deep) is the data's shape, not one bad
    record, so it stops reading at once. When more than ``MAX_UNREADABLE_SHARE`` of the items
    tried so far raise (and at least a few were tried), reading stops with the first failure.
    """
    for index in indices:
        unreadable.tried += 1
        try:
            item = dataset[index]
        except Exception as error:  # the user's __getitem__: any failure is one bad record
            _count_failure(unreadable, index, error, which)
            continue
        yield split_item(item, "a Dataset item", positional)


def _count_failure(unreadable: Unreadable, index: int, error: Exception, which: str) -> None:
    unreadable.count += 1
    unreadable.indices.append(index)
    if not unreadable.first:
        message = str(error).splitlines()[0] if str(error) else ""
        unreadable.first = f"{index}: {type(error).__name__}: {message}".rstrip(": ")
    enough_tried = unreadable.tried >= 8
    if enough_tried and unreadable.count > MAX_UNREADABLE_SHARE * unreadable.tried:
        raise TargetError(
            f"'{which}' could not be read: {unreadable.count} of the first {unreadable.tried} "
            f"items raised when read (item {unreadable.first}). Check the Dataset's "
            "__getitem__ on those indices"
        ) from error
