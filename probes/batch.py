"""One example or batch of the user's data, as the pair (inputs, targets) the probes feed on.

A custom ``Dataset`` returns pairs, or dicts such as ``{"input_ids": ..., "label": ...}``; the
label is found by its key's name, never by its position, since a dict written label-first is
as common as one written label-last. Probes call the model on one tensor, so a batch whose
inputs are several tensors (a nested dict, ``(tokens, offsets)``) is refused with a message
that says what was seen and how to hand it over.

A Dataset whose ``__getitem__`` raises on some indices (a missing file, a corrupt record) is
read around those indices: the probes need a sample, and the skipped items are counted so
the target can say how many it could not read and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from probes.errors import TargetError

#: Keys a dict item may name its targets by, tried in this order (case-insensitive).
LABEL_KEYS = ("label", "labels", "target", "targets", "y", "class", "classes")
#: Items that raise are skipped until this many have; then reading stops with an error.
MAX_UNREADABLE_SHARE = 0.5


def split_item(item: object, what: str) -> tuple[Any, Any]:
    """(inputs, targets) of one example or batch: a pair, or a dict with a label key."""
    if isinstance(item, Mapping):
        return _split_mapping(item, what)
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        return item[0], item[1]
    raise TargetError(f"{what} must be a pair (inputs, targets); got {_kind(item)}")


def _split_mapping(item: Mapping[Any, Any], what: str) -> tuple[Any, Any]:
    keys = {str(key).lower(): key for key in item}
    label = next((keys[name] for name in LABEL_KEYS if name in keys), None)
    if label is None:
        raise TargetError(
            f"{what} is a dict with keys {_key_list(item)} and none of them names the target; "
            f"expected one of {', '.join(LABEL_KEYS)}. Rename the target's key to 'label'"
        )
    inputs = [key for key in item if key != label]
    if len(inputs) != 1:
        return _several_inputs(what, f"the keys {_key_list(item)}")
    value = item[inputs[0]]
    if isinstance(value, Mapping):
        return _several_inputs(what, f"'{inputs[0]}' holding a dict of {_key_list(value)}")
    return value, item[label]


def _several_inputs(what: str, seen: str) -> tuple[Any, Any]:
    raise TargetError(
        f"{what} holds several model inputs ({seen}); the probes call the model on one tensor. "
        "Hand over a Dataset that returns (inputs, label), with the model taking that one "
        "tensor (a thin wrapper module can split it), or a dict with one input key and 'label'"
    )


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
    dataset: Any, indices: Iterable[int], which: str, unreadable: Unreadable
) -> Iterator[tuple[Any, Any]]:
    """The (inputs, targets) of each index whose item reads; failures counted in ``unreadable``.

    A target error (a dict without a label, several inputs) is the data's shape, not one bad
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
        yield split_item(item, "a Dataset item")


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
