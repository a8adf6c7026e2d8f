"""Whether the model keeps the examples of a batch apart (Karpathy's batch-independence check).

One example's output must not depend on the other examples in its batch. A recurrent layer
fed (batch, time, features) without ``batch_first=True`` runs along the batch instead of time,
and a ``view`` that lists the axes in another order regroups values across examples; both
train on something, but never on what each example says. The check asks the model directly:
in eval mode (so BatchNorm uses its running statistics and dropout is off) it replaces half
of a batch with other examples and looks whether the outputs of the half it kept moved. This
works on float and on integer inputs (token ids) alike, where input gradients would not.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.errors import require
from probes.inputs import Inputs, replace_rows
from probes.model.common import Reporter, forward, fresh_model, sample
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import Target

PROBE_ID = "batch_independence"
#: Examples per batch: both halves need a few examples to show mixing in either direction.
BATCH = 16
#: An output counts as moved when it changes by more than this share of how much outputs
#: differ from one example to the next (float sums in another order differ in the 7th digit).
RELATIVE_TOLERANCE = 1e-4
#: Outputs that differ across examples by less than this share of their size are constant.
CONSTANT = 1e-6


@dataclass(frozen=True)
class Mixing:
    """How far the outputs of kept examples moved when the rest of their batch changed."""

    examples: int
    moved: int
    """Kept examples whose output moved."""
    largest: float
    """The largest move, as a share of the spread of outputs across examples."""
    constant: bool = False
    """The outputs do not depend on the inputs at all: nothing to compare."""


def measure(model: nn.Module, inputs: Inputs, others: Inputs) -> Mixing:
    """Swap each half of ``inputs`` for the same half of ``others`` and compare the other half.

    The model runs in eval mode without gradients; its mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return _measure(model, inputs, others)
    finally:
        model.train(was_training)


def _measure(model: nn.Module, inputs: Inputs, others: Inputs) -> Mixing:
    half = len(inputs) // 2
    reference = forward(model, inputs).float().reshape(len(inputs), -1)
    spread = float((reference.amax(dim=0) - reference.amin(dim=0)).max())
    if not torch.isfinite(reference).all() or spread <= CONSTANT * float(reference.abs().max()):
        return Mixing(examples=len(inputs), moved=0, largest=0.0, constant=True)
    moves: list[Tensor] = []
    for kept, swapped in ((slice(half, None), slice(0, half)), (slice(0, half), slice(half, None))):
        changed = replace_rows(inputs, others, swapped)
        outputs = forward(model, changed).float().reshape(len(inputs), -1)
        moves.append((outputs[kept] - reference[kept]).abs().amax(dim=1) / spread)
    move = torch.cat(moves)
    return Mixing(
        examples=len(inputs),
        moved=int((move > RELATIVE_TOLERANCE).sum()),
        largest=float(move.max()),
    )


def mixes(mixing: Mixing) -> bool:
    return not mixing.constant and mixing.moved > 0


def batch_independence(target: Target, progress: ProgressFn) -> ProbeResult:
    require(target, "model")
    report = Reporter(PROBE_ID, progress)
    model, device = fresh_model(target)
    pool, _ = sample(target, 2 * BATCH, device)
    if len(pool) < 4:
        return _cannot_apply(f"it needs at least 4 examples and the data has {len(pool)}")
    half = len(pool) // 2
    report(0.3, "changing half of a batch and watching the other half's outputs")
    mixing = measure(model, pool[:half], pool[half : 2 * half])
    report(1.0, "done")
    return _result(mixing)


def _cannot_apply(reason: str) -> ProbeResult:
    # The contract has no "skip" status: a probe that cannot judge passes without facts and
    # says why in its finding, so nothing is concluded from it.
    return ProbeResult(
        id=PROBE_ID,
        status="pass",
        finding=f"Skipped: the batch-independence check cannot run, {reason}.",
        values={"skipped": True},
    )


def _result(mixing: Mixing) -> ProbeResult:
    values = {"examples": mixing.examples, "moved": mixing.moved, "largest_move": mixing.largest}
    if mixing.constant:
        return ProbeResult(
            id=PROBE_ID,
            status="pass",
            finding=(
                "Skipped: the untrained model gives the same output for every example, so "
                "whether examples mix cannot be seen."
            ),
            values={**values, "skipped": True},
        )
    if mixes(mixing):
        finding = (
            f"The model mixes examples across the batch: changing the other examples moved the "
            f"output of {mixing.moved} of {mixing.examples} examples that stayed the same (by up "
            f"to {mixing.largest:.2g} of the spread between examples, in eval mode). A recurrent "
            "layer without batch_first=True, or a view/reshape across the batch axis, does this."
        )
        return ProbeResult(
            id=PROBE_ID,
            status="fail",
            facts={"batch_mixing": "yes"},
            finding=finding,
            values=values,
        )
    finding = (
        f"Each example's output depends on that example alone: changing the rest of the batch "
        f"left all {mixing.examples} outputs where they were (eval mode)."
    )
    # Only mixing is reported as a fact: that examples stay apart says next to nothing about
    # the broad causes mixing points to (model.wrong_architecture covers many designs that
    # keep examples apart), and a "no" would count against them in every healthy-looking run.
    return ProbeResult(id=PROBE_ID, status="pass", finding=finding, values=values)
