"""Whether a model sees the order of its inputs: one fixed shuffle of the positions along each
input axis, and a look at whether any output moved.

A model that embeds every time step and averages the embeddings, or a transformer without
positional encodings, gives exactly the same output for a sequence and for any reordering of
it: it cannot learn anything that depends on order. Ordinary MLPs, convolutions and recurrent
layers mix positions with position-specific weights, so their outputs move.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.errors import ProbeFailure
from probes.model.common import SEED, forward

#: Axes shorter than this are left alone: with two or three positions a shuffle says little.
MIN_POSITIONS = 4
#: Outputs that differ across examples by less than this share of their size are constant.
CONSTANT = 1e-6
#: An output counts as unchanged when it moves by less than this share of how much outputs
#: differ from one example to the next (float sums in another order differ in the 7th digit).
RELATIVE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class OrderBlindness:
    """An input axis whose positions the model cannot tell apart."""

    axis: int
    positions: int


def order_blind_axis(model: nn.Module, inputs: Tensor) -> OrderBlindness | None:
    """The first input axis (after the batch) along which a fixed shuffle of the positions
    leaves every output unchanged, while the outputs do depend on the input; else None.

    The model runs in eval mode without gradients, and its mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return _first_blind_axis(model, inputs)
    finally:
        model.train(was_training)


def _first_blind_axis(model: nn.Module, inputs: Tensor) -> OrderBlindness | None:
    if len(inputs) < 2:
        return None
    reference = forward(model, inputs).float()
    if not bool(torch.isfinite(reference).all()):
        return None
    spread = float((reference.amax(dim=0) - reference.amin(dim=0)).max())
    if spread <= CONSTANT * float(reference.abs().max()):
        return None  # the output ignores the input altogether: nothing to learn about order
    tolerance = RELATIVE_TOLERANCE * spread
    for axis in range(1, inputs.ndim):
        positions = inputs.shape[axis]
        if positions < MIN_POSITIONS:
            continue
        shuffled = inputs.index_select(axis, _derangement(positions, inputs.device))
        if torch.equal(shuffled, inputs):
            continue  # every position holds the same values: the shuffle changed nothing
        try:
            moved = forward(model, shuffled).float()
        except ProbeFailure:
            continue  # the model refuses reordered input: it is not blind to the order
        if moved.shape == reference.shape and float((moved - reference).abs().max()) <= tolerance:
            return OrderBlindness(axis=axis, positions=positions)
    return None


def _derangement(size: int, device: torch.device) -> Tensor:
    """A seeded permutation that moves every position (a random one shifted where it does not)."""
    generator = torch.Generator().manual_seed(SEED)
    order = torch.randperm(size, generator=generator)
    fixed = order == torch.arange(size)
    if bool(fixed.any()):
        order = torch.roll(order, 1)
    if bool((order == torch.arange(size)).any()):
        order = torch.roll(torch.arange(size), 1)
    return order.to(device)
