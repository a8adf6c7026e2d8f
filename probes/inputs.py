"""What a model is called with: one tensor, or several (``model(tokens, offsets)``,
``model(**features)``), sliced into examples the same way whichever it is.

One input stays a plain ``Tensor``, as it always was. Several inputs are a ``ModelInputs``:
positional ``args`` and keyword ``kwargs``, each holding one row per example, except an
EmbeddingBag's flat token tensor and its ``offsets`` (one entry per example, where each
example's tokens start). Those are found by their pattern (``find_bag``), and slicing re-bases
the offsets, so that a probe can take any examples of a batch, whatever the inputs are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

Key = int | str
"""A positional input by its place, or a keyword input by its name."""


@dataclass(frozen=True)
class Bag:
    """An EmbeddingBag's inputs: one ``offsets`` entry per example, and flat tensors (the tokens,
    and per-sample weights if any) that hold each example's entries one after another."""

    offsets: Key
    flat: tuple[Key, ...]


class InputsError(ValueError):
    """Several inputs that cannot be split into examples; the message says which and why."""


@dataclass(frozen=True)
class ModelInputs:
    """Several tensors a model takes at once: ``model(*args, **kwargs)``."""

    args: tuple[Tensor, ...] = ()
    kwargs: Mapping[str, Tensor] = field(default_factory=dict)
    bag: Bag | None = None

    # --- the parts --------------------------------------------------------------------------
    def parts(self) -> list[tuple[Key, Tensor]]:
        """Every input with its key, positional ones first."""
        return [*enumerate(self.args), *self.kwargs.items()]

    def per_example(self) -> list[tuple[Key, Tensor]]:
        """The inputs that hold one row per example (the bag's tensors left out)."""
        bagged = set() if self.bag is None else {self.bag.offsets, *self.bag.flat}
        return [(key, value) for key, value in self.parts() if key not in bagged]

    def with_parts(self, parts: Mapping[Key, Tensor]) -> ModelInputs:
        """The same inputs with some parts replaced."""
        args = tuple(parts.get(i, value) for i, value in enumerate(self.args))
        kwargs = {name: parts.get(name, value) for name, value in self.kwargs.items()}
        return ModelInputs(args, kwargs, self.bag)

    def part(self, key: Key) -> Tensor:
        return self.args[key] if isinstance(key, int) else self.kwargs[key]

    # --- tensor-like --------------------------------------------------------------------------
    def __len__(self) -> int:
        if self.bag is not None:
            return len(self.part(self.bag.offsets))
        parts = self.parts()
        return len(parts[0][1]) if parts else 0

    def __getitem__(self, index: Tensor | slice) -> ModelInputs:
        """The examples at ``index`` (positions, a mask or a slice), in that order."""
        device = self.parts()[0][1].device if self.parts() else torch.device("cpu")
        positions = torch.arange(len(self), device=device)[index]
        chosen: dict[Key, Tensor] = {k: v[positions] for k, v in self.per_example()}
        if self.bag is not None:
            chosen.update(_bag_rows(self, self.bag, positions))
        return self.with_parts(chosen)

    def to(self, device: torch.device | str) -> ModelInputs:
        return self.with_parts({key: value.to(device) for key, value in self.parts()})

    def clone(self) -> ModelInputs:
        return self.with_parts({key: value.clone() for key, value in self.parts()})

    def call(self, model: nn.Module) -> object:
        return model(*self.args, **self.kwargs)

    def describe(self) -> str:
        """The inputs and their shapes, e.g. ``input 'numeric' [32, 4], input 'category' [32]``."""
        roles: dict[Key, str] = {}
        if self.bag is not None:
            roles[self.bag.offsets] = " (offsets)"
            roles.update({key: " (flat, one run per example)" for key in self.bag.flat})
        return ", ".join(
            f"{key_name(key)} {shape_text(value)}{roles.get(key, '')}"
            for key, value in self.parts()
        )


Inputs = Tensor | ModelInputs
"""What a probe feeds the model: one tensor, or several."""


def call_model(model: nn.Module, inputs: Inputs) -> object:
    """The model's raw output on one input or several."""
    if isinstance(inputs, ModelInputs):
        return inputs.call(model)
    return model(inputs)


def describe_inputs(inputs: Inputs) -> str:
    """``of shape [32, 8]`` for one input; ``input 'a' [32, 4], input 'b' [32]`` for several."""
    if isinstance(inputs, ModelInputs):
        return inputs.describe()
    return f"of shape {shape_text(inputs)}"


def key_name(key: Key) -> str:
    return f"input {key}" if isinstance(key, int) else f"input {key!r}"


def shape_text(tensor: Tensor) -> str:
    return "[" + ", ".join(str(size) for size in tensor.shape) + "]"


def floating_parts(inputs: Inputs) -> list[Tensor]:
    """The inputs that hold real numbers (features, not ids or offsets)."""
    tensors = [v for _, v in inputs.parts()] if isinstance(inputs, ModelInputs) else [inputs]
    return [t for t in tensors if t.is_floating_point()]


def scaled(inputs: Inputs, factor: float) -> Inputs | None:
    """The inputs with every real-valued part times ``factor``; None when none is real-valued."""
    if isinstance(inputs, Tensor):
        return inputs * factor if inputs.is_floating_point() else None
    real = {key: value * factor for key, value in inputs.parts() if value.is_floating_point()}
    return inputs.with_parts(real) if real else None


# --- building and joining ---------------------------------------------------------------------
def several(args: Sequence[Tensor], kwargs: Mapping[str, Tensor], examples: int) -> ModelInputs:
    """Inputs for a batch of ``examples``: every part holds one row per example, or belongs to
    an EmbeddingBag (flat tokens with offsets); ``InputsError`` names a part that does neither."""
    inputs = ModelInputs(tuple(args), dict(kwargs))
    bag = find_bag(inputs.parts(), examples)
    inputs = ModelInputs(inputs.args, inputs.kwargs, bag)
    for key, value in inputs.per_example():
        if value.ndim == 0 or len(value) != examples:
            raise InputsError(_unsliceable(key, value, examples))
    return inputs


def _unsliceable(key: Key, value: Tensor, examples: int) -> str:
    rows = "is a single number" if value.ndim == 0 else f"has {len(value)} rows"
    return (
        f"the model's {key_name(key)} {rows} while the batch has {examples} targets, so it "
        "cannot be split into examples; expected one row per example, or EmbeddingBag tokens "
        f"with offsets (a 1-D integer tensor of {examples} entries that starts at 0 and never "
        "decreases). Give every input one row per example"
    )


def find_bag(parts: Sequence[tuple[Key, Tensor]], examples: int) -> Bag | None:
    """The EmbeddingBag pattern among the parts, if there: a 1-D integer tensor of one entry per
    example that starts at 0 and never decreases (the offsets), and 1-D tensors of another
    length that its last offset falls within (the tokens and any per-sample weights)."""
    for key, value in parts:
        if not looks_like_offsets(value, examples):
            continue
        last = int(value[-1]) if len(value) else 0
        flat = tuple(
            other
            for other, tensor in parts
            if other != key and tensor.ndim == 1 and len(tensor) != examples and last <= len(tensor)
        )
        lengths = {len(dict(parts)[other]) for other in flat}
        if flat and len(lengths) == 1 and _has_tokens(parts, flat):
            return Bag(offsets=key, flat=flat)
    return None


def looks_like_offsets(value: Tensor, examples: int) -> bool:
    """A 1-D integer tensor of one entry per example that starts at 0 and never decreases."""
    if value.ndim != 1 or len(value) != examples or examples == 0:
        return False
    if value.is_floating_point() or value.dtype == torch.bool:
        return False
    return int(value[0]) == 0 and bool((value[1:] >= value[:-1]).all())


def _has_tokens(parts: Sequence[tuple[Key, Tensor]], flat: tuple[Key, ...]) -> bool:
    found = dict(parts)
    return any(not found[key].is_floating_point() for key in flat)


def _bag_rows(inputs: ModelInputs, bag: Bag, positions: Tensor) -> dict[Key, Tensor]:
    """The bag's tensors for the examples at ``positions``, offsets re-based to start at 0."""
    offsets = inputs.part(bag.offsets)
    total = len(inputs.part(bag.flat[0]))
    ends = torch.cat([offsets[1:], offsets.new_tensor([total])])
    starts, lengths = offsets[positions], (ends - offsets)[positions]
    rebased = torch.cumsum(lengths, 0) - lengths
    take = torch.repeat_interleave(starts - rebased, lengths) + torch.arange(
        int(lengths.sum()), device=offsets.device
    )
    chosen = {key: inputs.part(key)[take] for key in bag.flat}
    return {**chosen, bag.offsets: rebased}


def examples_of_one(inputs: Inputs) -> Inputs:
    """One example (a Dataset item) as a batch of one: a leading axis on every part."""
    if isinstance(inputs, Tensor):
        return inputs.unsqueeze(0)
    return inputs.with_parts({key: value.unsqueeze(0) for key, value in inputs.parts()})


def concat(batches: Sequence[Inputs], repad: bool = True) -> Inputs:
    """Batches joined into one: rows appended, bag offsets shifted by the tokens before them.

    Sequences padded to each batch's longest are padded again to the longest of all, with the
    value that fills their last position (``pad_value``); not with ``repad`` False (single
    examples, which show no padding). ``InputsError`` when the batches' inputs differ in kind
    or names, or their shapes cannot be matched.
    """
    first = batches[0]
    if isinstance(first, Tensor):
        return join_rows([_single(batch) for batch in batches], "the inputs", repad)
    several_batches = [_several_like(first, batch) for batch in batches]
    joined: dict[Key, Tensor] = {
        key: join_rows([b.part(key) for b in several_batches], key_name(key), repad)
        for key, _ in first.per_example()
    }
    if first.bag is not None:
        joined.update(_join_bags(several_batches, first.bag))
    return first.with_parts(joined)


def _single(batch: Inputs) -> Tensor:
    if isinstance(batch, Tensor):
        return batch
    raise InputsError(
        f"some batches hold one input and others several ({batch.describe()}); every batch "
        "must hand the model the same inputs"
    )


def _several_like(first: ModelInputs, batch: Inputs) -> ModelInputs:
    keys = [key for key, _ in first.parts()]
    if not isinstance(batch, ModelInputs) or [k for k, _ in batch.parts()] != keys:
        seen = batch.describe() if isinstance(batch, ModelInputs) else "one tensor"
        raise InputsError(
            f"the batches hand the model different inputs: {first.describe()} in one, {seen} "
            "in another; every batch must hold the same inputs"
        )
    if batch.bag != first.bag:
        raise InputsError(
            f"only some batches hold EmbeddingBag tokens with offsets ({first.describe()}; "
            f"{batch.describe()}); every batch must hold its inputs the same way"
        )
    return batch


def _join_bags(batches: Sequence[ModelInputs], bag: Bag) -> dict[Key, Tensor]:
    shifted: list[Tensor] = []
    before = 0
    for batch in batches:
        shifted.append(batch.part(bag.offsets) + before)
        before += len(batch.part(bag.flat[0]))
    joined = {key: torch.cat([b.part(key) for b in batches]) for key in bag.flat}
    return {**joined, bag.offsets: torch.cat(shifted)}


#: A batch is taken for padded when more than this share of its last position holds one value.
PADDED_SHARE = 0.5


def join_rows(tensors: Sequence[Tensor], name: str, repad: bool = True) -> Tensor:
    """Rows of several batches as one tensor, re-padding sequences to the longest of all."""
    shapes = {tuple(t.shape[1:]) for t in tensors}
    if len(shapes) == 1:
        return torch.cat(list(tensors))
    ranks = {len(shape) for shape in shapes}
    if len(ranks) != 1 or not repad:
        raise InputsError(_shapes_differ(name, tensors))
    longest = [max(sizes) for sizes in zip(*shapes, strict=True)]
    return torch.cat([_padded_to(t, longest, name, tensors) for t in tensors])


def _padded_to(tensor: Tensor, longest: list[int], name: str, all_: Sequence[Tensor]) -> Tensor:
    for axis, size in enumerate(longest, start=1):
        missing = size - tensor.shape[axis]
        if missing == 0:
            continue
        value = pad_value(tensor, axis)
        if value is None:
            raise InputsError(_shapes_differ(name, all_))
        filler_shape = list(tensor.shape)
        filler_shape[axis] = missing
        filler = torch.full(filler_shape, value, dtype=tensor.dtype, device=tensor.device)
        tensor = torch.cat([tensor, filler], dim=axis)
    return tensor


def pad_value(batch: Tensor, axis: int) -> float | int | bool | None:
    """The value a batch is padded with along ``axis``: the one that fills more than
    PADDED_SHARE of its last position (most rows are shorter than the longest); else None."""
    last = batch.select(axis, batch.shape[axis] - 1).reshape(-1)
    if len(batch) < 2 or last.numel() == 0:
        return None  # one row shows no padding: its last position is its own
    values, counts = torch.unique(last, return_counts=True)
    best = int(counts.argmax())
    if int(counts[best]) <= PADDED_SHARE * last.numel():
        return None
    value: float | int | bool = values[best].item()
    return value


def _shapes_differ(name: str, tensors: Sequence[Tensor]) -> str:
    shapes = sorted({shape_text(t) for t in tensors})
    listed = ", ".join(shapes[:4]) + (f" and {len(shapes) - 4} more" if len(shapes) > 4 else "")
    return (
        f"{name} come in batches of different shapes ({listed}) that are not padded sequences, "
        "so they cannot be joined into one batch"
    )


def replace_rows(inputs: Inputs, others: Inputs, rows: slice) -> Inputs:
    """``inputs`` with the examples in the contiguous ``rows`` taken from ``others`` instead."""
    span = range(len(inputs))[rows]
    pieces = [inputs[: span.start], others[span.start : span.stop], inputs[span.stop :]]
    return concat([piece for piece in pieces if len(piece)])


def tensors_in(value: Iterable[Any]) -> bool:
    """Whether every entry is a tensor or an array: several inputs rather than one list."""
    items = list(value)
    return bool(items) and all(isinstance(item, (Tensor, np.ndarray)) for item in items)
