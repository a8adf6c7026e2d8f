"""activations: dead ReLU units, saturated sigmoid/tanh, NaN or inf, linear layers stacked
with nothing non-linear between them, and a model blind to the order of its inputs.

Measured with forward hooks at initialisation and again after a few steps with the user's
optimizer (units often die in the first steps of a too-high learning rate).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probes.errors import ProbeFailure
from probes.inputs import Inputs
from probes.model.common import (
    Reporter,
    batches,
    forward,
    fresh_model,
    make_optimizer,
    sample,
    standard_step,
    training_loss,
)
from probes.model.order import OrderBlindness, order_blind_axis
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import Target
from probes.verdict import Verdict

PROBE_ID = "activations"
BATCH = 256
TRAIN_STEPS = 30
#: A layer is dead when at least this share of its ReLU units never fire on a batch.
DEAD_SHARE = 0.7
#: A sigmoid/tanh is saturated when more than this share of its inputs lie beyond +-5.
SATURATED_SHARE = 0.5
SATURATION_LIMIT = 5.0
DEEP_LAYERS = 10

WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
RELU = (nn.ReLU, nn.ReLU6)
SQUASHING = (nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Softsign, nn.LogSigmoid)
OTHER_NONLINEAR = (
    nn.LeakyReLU,
    nn.PReLU,
    nn.RReLU,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Softplus,
    nn.Hardswish,
)
PASSIVE = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Identity,
    nn.Flatten,
    nn.Unflatten,
)
RESIDUAL_NAMES = re.compile(r"res|skip|bottleneck|block", re.IGNORECASE)


@dataclass
class Record:
    """One leaf module's run: its name, module, first input and output."""

    name: str
    module: nn.Module
    input: Tensor | None
    output: Tensor | None


@dataclass(frozen=True)
class LayerShares:
    """What one pass over the batch measured, layer by layer, in the order the layers run."""

    silent: list[tuple[str, float]]
    """The share of units that never fire, after each ReLU (module or function)."""
    beyond_limit: list[tuple[str, float]]
    """The share of inputs beyond +-SATURATION_LIMIT, before each sigmoid or tanh."""
    nonfinite: list[str]
    """Layers whose output holds NaN or inf."""


@dataclass(frozen=True)
class ActivationReading:
    """What the probe measured: the architecture's facts, and the shares at each phase."""

    structure: dict[str, str]
    """Facts read off the architecture: depth, linear_stack, hidden_activation, init_scheme."""
    phases: dict[str, LayerShares]
    """The shares by when they were measured ("at initialisation", "after 30 training steps")."""
    weight_layers: int
    blind: OrderBlindness | None
    """The input axis the model cannot see the order of, if any."""
    order_checked: bool = True
    """Whether the order check ran: it needs one input tensor with axes of positions."""


@dataclass(frozen=True)
class Findings:
    """The layers judged dead, saturated or non-finite at one phase, with their shares."""

    dead: dict[str, float]
    saturated: dict[str, float]
    nonfinite: list[str]


def activations(target: Target, progress: ProgressFn) -> ProbeResult:
    report = Reporter(PROBE_ID, progress)
    model, device = fresh_model(target)
    inputs, _ = sample(target, BATCH, device)
    report(0.1, "recording activations of the untrained model")
    records = record(model, inputs)
    facts = _structure(model, records)
    phases = {"at initialisation": _shares(records)}
    # Weights that all start equal can make a fresh model blind to order by accident; only a
    # blindness that training keeps comes from the architecture. Several inputs (an
    # EmbeddingBag's tokens and offsets, keyword features) have no one axis of positions to
    # shuffle, so order is not checked there and no fact is claimed about it.
    order_checked = isinstance(inputs, Tensor)
    blind = (
        order_blind_axis(model, inputs)
        if isinstance(inputs, Tensor) and facts["init_scheme"] != "custom_constant"
        else None
    )
    if {"loss", "optimizer"} <= target.keys:
        report(0.4, f"training {TRAIN_STEPS} steps with your optimizer")
        try:
            _train(target, model, device)
        except ProbeFailure:
            pass  # training itself fails: other probes name why; the start is still worth a look
        else:
            phases[f"after {TRAIN_STEPS} training steps"] = _shares(record(model, inputs))
            if blind is not None and isinstance(inputs, Tensor):
                blind = order_blind_axis(model, inputs)
    report(1.0, "done")
    layers = sum(isinstance(r.module, WEIGHT_LAYERS) for r in records)
    reading = ActivationReading(facts, phases, layers, blind, order_checked)
    return _result(reading, judge(reading))


def record(model: nn.Module, inputs: Inputs) -> list[Record]:
    """Every leaf module's input and output, in the order they run (eval mode, no grad)."""
    names = {id(m): name for name, m in model.named_modules()}
    records: list[Record] = []

    def remember(module: nn.Module, args: tuple[object, ...], output: object) -> None:
        first = args[0] if args and isinstance(args[0], Tensor) else None
        records.append(Record(names.get(id(module), "?"), module, _copy(first), _copy(output)))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(remember) for m in leaves]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            forward(model, inputs)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return records


def _copy(value: object) -> Tensor | None:
    return value.detach().clone().float() if isinstance(value, Tensor) else None


def _train(target: Target, model: nn.Module, device: torch.device) -> None:
    optimizer = make_optimizer(target, model)
    if target.loss is None:
        return
    loss = training_loss(target)
    model.train()
    stream = batches(target, target.batch_size, device)
    for _ in range(TRAIN_STEPS):
        inputs, targets = next(stream)
        if not math.isfinite(standard_step(model, optimizer, loss, inputs, targets)):
            break


# --- what the records show --------------------------------------------------------------------
def _shares(records: list[Record]) -> LayerShares:
    silent: list[tuple[str, float]] = []
    beyond: list[tuple[str, float]] = []
    nonfinite = [r.name for r in records if r.output is not None and _has_nonfinite(r.output)]
    for index, rec in enumerate(records):
        if isinstance(rec.module, RELU) and rec.output is not None and rec.name not in nonfinite:
            silent.append((rec.name, _dead_share(rec.output, _unit_dim(records, index))))
        if isinstance(rec.module, SQUASHING) and rec.input is not None:
            beyond.append((rec.name, _beyond_limit(rec.input)))
    for name, kind, before, after, functional in _pairs(records):
        if not functional:
            continue
        if kind == "relu" and not _has_nonfinite(after):
            silent.append((name, _dead_share(after, 1 if after.ndim > 2 else -1)))
        if kind == "sigmoid_tanh":
            beyond.append((name, _beyond_limit(before)))
    return LayerShares(silent, beyond, nonfinite)


def _beyond_limit(inputs: Tensor) -> float:
    return float((inputs.abs() > SATURATION_LIMIT).float().mean())


def _has_nonfinite(tensor: Tensor) -> bool:
    return not bool(torch.isfinite(tensor).all())


def _dead_share(output: Tensor, unit_dim: int) -> float:
    if output.ndim < 2:
        return 0.0
    moved = output.movedim(unit_dim, -1).reshape(-1, output.shape[unit_dim])
    fires = (moved > 0).any(dim=0)
    return 1.0 - float(fires.float().mean())


def _unit_dim(records: list[Record], index: int) -> int:
    output = records[index].output
    if output is None or output.ndim <= 2:
        return -1
    earlier = [r.module for r in records[:index] if isinstance(r.module, WEIGHT_LAYERS)]
    convolution = bool(earlier) and not isinstance(earlier[-1], nn.Linear)
    return 1 if convolution or output.ndim > 3 else -1


def _pairs(records: list[Record]) -> list[tuple[str, str, Tensor, Tensor, bool]]:
    """Consecutive weight layers: (name of the first, what lies between, before, after, and
    whether the activation between them is a function call rather than a module)."""
    layers = [i for i, r in enumerate(records) if isinstance(r.module, WEIGHT_LAYERS)]
    pairs = []
    for first, second in itertools.pairwise(layers):
        before, after = records[first].output, records[second].input
        if before is None or after is None:
            continue
        middle = records[first + 1 : second]
        kind = _between(middle, before, after)
        if kind is not None:
            functional = not any(isinstance(r.module, (*RELU, *SQUASHING)) for r in middle)
            pairs.append((records[first].name, kind, before, after, functional))
    return pairs


def _between(middle: list[Record], before: Tensor, after: Tensor) -> str | None:
    for rec in middle:
        if isinstance(rec.module, RELU):
            return "relu"
        if isinstance(rec.module, SQUASHING):
            return "sigmoid_tanh"
        if isinstance(rec.module, OTHER_NONLINEAR):
            return "leaky"
    if any(not isinstance(rec.module, PASSIVE) for rec in middle):
        return None
    if before.numel() != after.numel():
        return None
    before = before.reshape(after.shape)
    return _functional_kind(before, after, normalised=bool(middle))


def _functional_kind(before: Tensor, after: Tensor, normalised: bool) -> str:
    if _close(after, before):
        return "none"
    if _close(after, torch.relu(before)):
        return "relu"
    if _close(after, torch.sigmoid(before)) or _close(after, torch.tanh(before)):
        return "sigmoid_tanh"
    if not normalised:
        return "leaky"
    low, high = float(after.min()), float(after.max())
    if low >= 0 and float((after == 0).float().mean()) > 0.1:
        return "relu"
    if low >= -1 and high <= 1:
        return "sigmoid_tanh"
    return "leaky" if low > -0.3 else "none"


def _close(a: Tensor, b: Tensor) -> bool:
    return bool(torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True))


def _structure(model: nn.Module, records: list[Record]) -> dict[str, str]:
    kinds = [pair[1] for pair in _pairs(records)]
    facts = {"depth": _depth(model, records)}
    if kinds:
        facts["linear_stack"] = "yes" if "none" in kinds else "no"
        nonlinear = [kind for kind in kinds if kind != "none"]
        common = Counter(nonlinear).most_common(1)
        facts["hidden_activation"] = common[0][0] if common else "none"
    else:
        facts["linear_stack"] = "no"
    facts["init_scheme"] = init_scheme(model)
    return facts


#: A weight spread above this many times 1/sqrt(fan_in) is far beyond every usual scheme
#: (PyTorch's default gives about 0.58, Kaiming normal 1.41, Xavier at most 1.41).
LARGE_INIT = 4.0


def init_scheme(model: nn.Module) -> str:
    """How the fresh model's weights look: ``custom_constant`` when every weight of some layer
    holds one value (its units can never differ), ``custom_large`` for a far too wide spread."""
    scheme = "default"
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(module, WEIGHT_LAYERS) or not isinstance(weight, Tensor):
            continue
        if weight.dim() < 2 or weight.numel() < 2:
            continue
        values = weight.detach().float()
        if bool(torch.all(values == values.flatten()[0])):
            return "custom_constant"
        fan_in = values[0].numel()
        if float(values.std()) > LARGE_INIT / math.sqrt(fan_in):
            scheme = "custom_large"
    return scheme


def _depth(model: nn.Module, records: list[Record]) -> str:
    layers = sum(isinstance(r.module, WEIGHT_LAYERS) for r in records)
    residual = any(RESIDUAL_NAMES.search(type(m).__name__) for m in model.modules())
    return "deep" if layers >= DEEP_LAYERS and not residual else "shallow"


# --- judging and wording ------------------------------------------------------------------
#: The cases ``judge`` names: faults (in the order the finding says them), then warnings.
NONFINITE, DEAD, SATURATED = "nonfinite", "dead", "saturated"
LINEAR_STACK, CONSTANT_INIT, DEEP, ORDER_BLIND = (
    "linear_stack",
    "constant_init",
    "deep",
    "order_blind",
)
#: The cases that fail the probe, each said in a sentence of its own.
FAULTS = (NONFINITE, DEAD, SATURATED, LINEAR_STACK, CONSTANT_INIT)


def flagged(shares: LayerShares) -> Findings:
    """The layers past DEAD_SHARE or SATURATED_SHARE, in the order they run."""
    dead: dict[str, float] = {}
    saturated: dict[str, float] = {}
    for name, share in shares.silent:
        if share >= DEAD_SHARE:
            dead[name] = share
    for name, share in shares.beyond_limit:
        if share > SATURATED_SHARE:
            saturated[name] = share
    return Findings(dead, saturated, shares.nonfinite)


def judge(reading: ActivationReading) -> Verdict:
    phases = [flagged(shares) for shares in reading.phases.values()]
    order = {"order_blind": "yes" if reading.blind else "no"} if reading.order_checked else {}
    facts = {
        **reading.structure,
        **order,
        "dead_units": "many" if any(f.dead for f in phases) else "few",
        "saturation": "yes" if any(f.saturated for f in phases) else "no",
        "nonfinite_values": "yes" if any(f.nonfinite for f in phases) else "no",
    }
    found = {
        NONFINITE: facts["nonfinite_values"] == "yes",
        DEAD: facts["dead_units"] == "many",
        SATURATED: facts["saturation"] == "yes",
        LINEAR_STACK: facts.get("linear_stack") == "yes",
        CONSTANT_INIT: facts.get("init_scheme") == "custom_constant",
    }
    faults = [case for case in FAULTS if found[case]]
    warnings = [DEEP] if facts["depth"] == "deep" else []
    blind = [ORDER_BLIND] if reading.blind else []
    if faults:
        return Verdict("fail", facts, (*faults, *blind))
    return Verdict("warn" if warnings or blind else "pass", facts, (*warnings, *blind))


def word(reading: ActivationReading, verdict: Verdict) -> str:
    cases = verdict.cases
    sentences = [_fault_sentence(reading, case) for case in cases if case in FAULTS]
    order = order_note(reading.blind) if reading.blind and ORDER_BLIND in cases else ""
    if sentences:
        return " ".join(sentences) + (f" {order}" if order else "")
    hidden = verdict.facts.get("hidden_activation")
    tail = f"; hidden layers use {_HIDDEN_WORDS[hidden]}" if hidden else ""
    deep_note = (
        f" The network is deep ({reading.weight_layers} layers) without residual connections."
        if DEEP in cases
        else ""
    )
    return f"No dead, saturated or non-finite activations{tail}.{deep_note}" + (
        f" {order}" if order else ""
    )


def _fault_sentence(reading: ActivationReading, case: str) -> str:
    phases = {when: flagged(shares) for when, shares in reading.phases.items()}
    if case == NONFINITE:
        when, found = next((w, f) for w, f in phases.items() if f.nonfinite)
        return f"NaN or inf appear {when}, first in layer '{found.nonfinite[0]}'."
    if case == DEAD:
        when, found = next((w, f) for w, f in phases.items() if f.dead)
        name, share = max(found.dead.items(), key=lambda item: item[1])
        return (
            f"{share:.0%} of the ReLU units after '{name}' never fire {when} "
            f"({len(found.dead)} layer{'s' if len(found.dead) > 1 else ''} affected)."
        )
    if case == SATURATED:
        when, found = next((w, f) for w, f in phases.items() if f.saturated)
        name, share = max(found.saturated.items(), key=lambda item: item[1])
        return (
            f"{share:.0%} of the inputs to sigmoid/tanh '{name}' lie beyond ±5 {when}, "
            "where the gradient is almost zero."
        )
    if case == LINEAR_STACK:
        return (
            "Linear layers follow each other with no activation between them, so together "
            "they are just one linear map: put a ReLU between them."
        )
    return (
        "Every weight of some layer starts at the same value, so its units get the same "
        "gradient and never become different: keep PyTorch's default initialisation."
    )


def _result(reading: ActivationReading, verdict: Verdict) -> ProbeResult:
    phases = [flagged(shares) for shares in reading.phases.values()]
    dead = {n: s for f in phases for n, s in f.dead.items()}
    saturated = {n: s for f in phases for n, s in f.saturated.items()}
    nonfinite = sorted({n for f in phases for n in f.nonfinite})
    return ProbeResult(
        id=PROBE_ID,
        status=verdict.status,
        facts=verdict.facts,
        values={
            "layers": reading.weight_layers,
            "dead_layers": ", ".join(sorted(dead)) or None,
            "saturated_layers": ", ".join(sorted(saturated)) or None,
            "nonfinite_layers": ", ".join(nonfinite) or None,
            "order_blind_axis": reading.blind.axis if reading.blind else None,
            "order_checked": reading.order_checked,
        },
        finding=word(reading, verdict),
    )


def order_note(blind: OrderBlindness) -> str:
    """What an order-blind model means for the user, in one or two sentences."""
    return (
        f"Shuffling the {blind.positions} positions along input axis {blind.axis} leaves every "
        "output unchanged, so the model cannot see their order (it pools over them, for "
        "example by averaging time steps): if the order matters, use a layer that sees it, "
        "such as a 1-D convolution, an LSTM or GRU, or positional encodings."
    )


_HIDDEN_WORDS = {
    "relu": "ReLU",
    "leaky": "a smooth or leaky activation",
    "sigmoid_tanh": "sigmoid or tanh",
    "none": "no activation",
}
