"""What code says about the model: its output layer and loss, its hidden layers and kind,
its optimizer, learning rate and regularisation."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from assistant.core.reading import code_vocabulary as vocab
from assistant.core.reading.code_calls import (
    Call,
    Code,
    Found,
    Site,
    argument_value,
    calls_in,
    constant_value,
    container_elements,
    dotted,
    expression_of,
    keyword_value,
    number_value,
    short_name,
    string_constants,
)
from assistant.core.reading.numbers import learning_rate_level, regularisation_level
from knowledge.types import Regulariser, Value

DEEP_AT = 10
"""From this many weight layers in one model, the network counts as deep."""


@dataclass(frozen=True)
class Loss:
    value: Value
    framework: str
    from_logits: bool
    site: Site

    @property
    def expects_probabilities(self) -> bool:
        """A Keras cross-entropy without ``from_logits=True`` wants a softmax or sigmoid
        output: there, a squashing output is right, not doubled."""
        return self.framework == vocab.KERAS and not self.from_logits


def read_loss(code: Code, found: Found) -> Loss | None:
    loss: Loss | None = None
    for call in code.calls:
        if call.short in vocab.LOSSES:
            value, framework = vocab.LOSSES[call.short]
            from_logits = constant_value(keyword_value(call.node, "from_logits")) is True
            if framework == vocab.KERAS and call.short == "BinaryCrossentropy" and from_logits:
                value = "bce_with_logits"
            loss = Loss(value, framework, from_logits, call.site)
        elif call.short == "compile":
            named = [
                s
                for s in string_constants(keyword_value(call.node, "loss"))
                if s in vocab.KERAS_LOSS_NAMES
            ]
            if named:
                loss = Loss(vocab.KERAS_LOSS_NAMES[named[0]], vocab.KERAS, False, call.site)
        if loss is not None:
            break
    if loss is None:
        for assignment in code.assignments:
            if assignment.targets != ("loss",):
                continue
            strings = string_constants(assignment.value)
            if strings and strings[0] in vocab.KERAS_LOSS_NAMES:
                loss = Loss(vocab.KERAS_LOSS_NAMES[strings[0]], vocab.KERAS, False, assignment.site)
                break
    if loss is not None:
        found.set("loss_function", loss.value, loss.site)
    return loss


@dataclass(frozen=True)
class Output:
    activation: Value
    units: int | None
    site: Site
    node: ast.Call | None = None
    """The call that makes the output: a layer is hidden unless it is this one."""


def _layer(code: Code, call: Call, depth: int = 0) -> Output | None:
    """The output a layer constructor gives: an activation, a linear layer with its units, or
    (for a container) its last layer."""
    node = call.node
    if call.short in vocab.ACTIVATION_MODULES:
        return Output(vocab.ACTIVATION_MODULES[call.short], None, call.site, node)
    if call.short == "Activation":
        names = [
            s
            for s in string_constants(argument_value(node, 0, "activation"))
            if s in vocab.KERAS_ACTIVATION_NAMES
        ]
        if not names:
            return None
        return Output(vocab.KERAS_ACTIVATION_NAMES[names[0]], None, call.site, node)
    if call.short in ("Linear", "LazyLinear") or call.short in vocab.CONV_LAYERS:
        index = 0 if call.short == "LazyLinear" else 1
        units = number_value(argument_value(node, index, "out_features", "out_channels", "filters"))
        if call.short.endswith(("D", "2D")) and call.short in vocab.CONV_LAYERS:
            return _keras_layer(call, number_value(argument_value(node, 0, "filters")))
        return Output("none", int(units) if units else None, call.site, node)
    if call.short == "Dense":
        return _keras_layer(call, number_value(argument_value(node, 0, "units")))
    if call.short == "Sequential" and depth < 4:
        elements = container_elements(node)
        for element in reversed(elements):
            inner = code.call_of(element)
            if inner is None or inner.short in vocab.PASS_THROUGH_LAYERS:
                continue
            return _layer(code, inner, depth + 1)
    return None


def _keras_layer(call: Call, units: float | None) -> Output:
    activation = keyword_value(call.node, "activation")
    value: Value = "none"
    if activation is not None:
        names = string_constants(activation) or [short_name(dotted(activation))]
        value = vocab.KERAS_ACTIVATION_NAMES.get(names[0], "none") if names else "none"
    return Output(value, int(units) if units else None, call.site, call.node)


def _resolve(code: Code, expr: ast.expr, site: Site, depth: int = 0) -> Output | None:
    """What produces ``expr`` at the end of a ``forward``: an activation or a layer."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Call):
        call = code.call_of(expr)
        if call is None:
            return None
        if call.short in vocab.ACTIVATION_FUNCTIONS and not call.short[0].isupper():
            return Output(vocab.ACTIVATION_FUNCTIONS[call.short], None, call.site, call.node)
        if isinstance(expr.func, ast.Call):  # Dense(10, activation="softmax")(x)
            inner = code.call_of(expr.func)
            return _layer(code, inner) if inner is not None else None
        constructed = code.constructed.get(call.name)
        if constructed is not None:
            return _layer(code, constructed)
        return _layer(code, call)
    if isinstance(expr, ast.Name):
        function = site.statement.inside("function") or site.statement.inside("no_grad")
        assignment = code.last_assignment(expr.id, site.line + 1, function)
        if assignment is not None and assignment.value is not expr:
            return _resolve(code, assignment.value, assignment.site, depth + 1)
    return None


def _output_of_forward(code: Code, model_class: str | None = None) -> Output | None:
    """What the last ``forward`` (or Keras ``call``) returns; of ``model_class``'s when
    given."""
    returns = [
        statement
        for statement in code.statements
        if isinstance(statement.node, ast.Return)
        and statement.node.value is not None
        and any(
            s.kind in ("function", "no_grad") and s.name in ("forward", "call")
            for s in statement.scopes
        )
        and (
            model_class is None
            or any(s.kind == "class" and s.name == model_class for s in statement.scopes)
        )
    ]
    if not returns:
        return None
    last = returns[-1]
    value = last.node.value if isinstance(last.node, ast.Return) else None
    site = Site(last.line, last.quote, last)
    return _resolve(code, value, site) if value is not None else None


_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})
"""Methods that return the model they are called on: ``Net().to(device)`` is a ``Net``."""


def _the_model(code: Code) -> Call | None:
    """The constructor the code binds to its model variable (``model = Net().to(device)``)."""
    for assignment in reversed(code.assignments):
        if len(assignment.targets) != 1 or not isinstance(assignment.value, ast.Call):
            continue
        if short_name(assignment.targets[0]) not in vocab.MODEL_NAMES:
            continue
        node: ast.expr = assignment.value
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MOVES
        ):
            node = node.func.value
        call = code.call_of(node) if isinstance(node, ast.Call) else None
        if call is not None:
            return call
    return None


def _output_of_model(code: Code) -> Output | None:
    call = _the_model(code)
    if call is None:
        return None
    classes = {s.node.name for s in code.statements if isinstance(s.node, ast.ClassDef)}
    if call.short in classes:
        return _output_of_forward(code, call.short)
    return _layer(code, call)


def _output_of_layers(code: Code, layers: list[Call]) -> Output | None:
    for call in reversed(layers):
        if call.short in vocab.PASS_THROUGH_LAYERS:
            continue
        if call.short in vocab.RECURRENT_LAYERS or call.short in vocab.TRANSFORMER_LAYERS:
            return None
        return _layer(code, call)
    return None


_FINAL_ACTIVATIONS = frozenset({"softmax", "log_softmax", "sigmoid"})
"""Activations that, named on their own, belong at the end of a model."""


def _output_of_loose(code: Code, layers: list[Call]) -> Output | None:
    """Of layers named outside a model, only those that can only mean the output: a
    softmax, log-softmax or sigmoid, or a Keras ``Dense`` with its activation."""
    for call in reversed(layers):
        layer = _layer(code, call)
        if layer is None:
            continue
        if layer.activation in _FINAL_ACTIVATIONS and call.short != "Dense":
            return layer
        if call.short == "Dense" and keyword_value(call.node, "activation") is not None:
            return layer
    return None


def read_output(code: Code, found: Found, loss: Loss | None) -> Output | None:
    layers = code.layers
    output = (
        _output_of_model(code)
        or _output_of_forward(code)
        or _output_of_layers(code, layers.built)
        or _output_of_loose(code, layers.loose)
    )
    into_loss = _activation_into_loss(code, loss)
    if into_loss is not None and (output is None or output.activation == "none"):
        output = Output(into_loss.activation, output.units if output else None, into_loss.site)
    if output is None:
        return None
    if output.activation != "leaky":
        found.set("output_activation", output.activation, output.site)
    _output_against_loss(found, output, loss, into_loss is not None)
    return output


def _output_against_loss(found: Found, output: Output, loss: Loss | None, fed: bool) -> None:
    site = output.site
    if output.units == 1 and output.activation == "softmax":
        # a softmax over one unit is 1.0 whatever the input
        found.set("output_range_mismatch", "yes", site)
    if loss is None:
        return
    if output.units == 1 and loss.value == "cross_entropy":
        found.set("output_units", "too_few", site)
    if loss.value in ("bce", "bce_with_logits"):
        if output.units == 1 or output.units is None:
            found.set("task", "binary", loss.site)
        elif output.units > 2 and output.activation in ("sigmoid", "none"):
            found.set("task", "multilabel", loss.site)
    elif loss.value == "cross_entropy" and output.units is not None and output.units > 1:
        found.set("task", "binary" if output.units == 2 else "multiclass", loss.site)
    if loss.expects_probabilities:
        if output.activation in ("softmax", "sigmoid"):
            found.set("softmax_into_ce", "no", loss.site)
        elif output.activation == "none" and loss.value == "cross_entropy":
            found.set("loss_task_fit", "mismatch", loss.site)
    elif (loss.value == "cross_entropy" and output.activation == "softmax") or (
        loss.value == "bce_with_logits" and output.activation == "sigmoid"
    ):
        found.set("softmax_into_ce", "yes", site if not fed else output.site)


def _loss_kind(code: Code, call: Call, loss: Loss | None) -> Value | None:
    if call.short in vocab.LOSSES:
        return vocab.LOSSES[call.short][0]
    constructed = code.constructed.get(call.name)
    if constructed is not None and constructed.short in vocab.LOSSES:
        return vocab.LOSSES[constructed.short][0]
    if isinstance(call.node.func, ast.Call):
        return vocab.LOSSES.get(short_name(dotted(call.node.func.func)), (None, ""))[0]
    return loss.value if loss else None


@dataclass(frozen=True)
class _IntoLoss:
    activation: Value
    site: Site


def _activation_into_loss(code: Code, loss: Loss | None) -> _IntoLoss | None:
    """A softmax or sigmoid applied to the prediction on its way into a loss that applies
    its own."""
    for call in code.loss_calls:
        kind = _loss_kind(code, call, loss)
        wanted = {"cross_entropy": "softmax", "bce_with_logits": "sigmoid"}.get(kind or "")
        if wanted is None or (loss is not None and loss.expects_probabilities):
            continue
        for inner in calls_in(code, expression_of(code, call.node.args[0], call.site)):
            if (
                vocab.ACTIVATION_FUNCTIONS.get(inner.short) == wanted
                or vocab.ACTIVATION_MODULES.get(
                    code.constructed[inner.name].short if inner.name in code.constructed else ""
                )
                == wanted
            ):
                return _IntoLoss(wanted, call.site)
    return None


def read_model(code: Code, found: Found, output: Output | None) -> None:
    layers = code.layers.built
    output_node = output.node if output is not None else None
    kinds: list[tuple[Value, Site]] = []
    for call in layers:
        if call.node is output_node or not (
            call.short in vocab.ACTIVATION_MODULES or call.short == "Dense"
        ):
            continue
        layer = _layer(code, call)
        if layer is not None and layer.activation != "none":
            kinds.append((layer.activation, call.site))
    for call in code.calls:
        if (
            call.short in vocab.ACTIVATION_FUNCTIONS
            and call.short[0].islower()
            and any(s.name in ("forward", "call") for s in call.site.statement.scopes)
            and (output is None or call.site.line != output.site.line)
        ):
            kinds.append((vocab.ACTIVATION_FUNCTIONS[call.short], call.site))
    hidden_value = _hidden_activation(kinds)
    if hidden_value is not None:
        found.set("hidden_activation", hidden_value[0], hidden_value[1])
    _read_linear_stack(code, found)
    _read_architecture(code, found, layers)


def _hidden_activation(kinds: list[tuple[Value, Site]]) -> tuple[Value, Site] | None:
    mapped = [("sigmoid_tanh" if k in ("sigmoid", "tanh") else k, site) for k, site in kinds]
    mapped = [(k, site) for k, site in mapped if k in ("relu", "leaky", "sigmoid_tanh")]
    if not mapped:
        return None
    counts = {k: sum(1 for kk, _ in mapped if kk == k) for k, _ in mapped}
    best = max(counts, key=lambda k: (counts[k], k == "sigmoid_tanh"))
    return next((k, site) for k, site in mapped if k == best)


def _read_linear_stack(code: Code, found: Found) -> None:
    for call in code.calls_named("Sequential"):
        previous_linear: Call | None = None
        for element in container_elements(call.node):
            inner = code.call_of(element)
            if inner is None or inner.short in vocab.PASS_THROUGH_LAYERS:
                continue
            layer = _layer(code, inner)
            is_plain_linear = (
                inner.short in vocab.LINEAR_LAYERS
                and layer is not None
                and layer.activation == "none"
            )
            if is_plain_linear and previous_linear is not None:
                found.set("linear_stack", "yes", inner.site)
                found.set("hidden_activation", "none", inner.site)
                return
            previous_linear = inner if is_plain_linear else None


def _read_architecture(code: Code, found: Found, layers: list[Call]) -> None:
    weight_layers = [
        c for c in code.calls if c.short in vocab.LINEAR_LAYERS or c.short in vocab.CONV_LAYERS
    ]
    if len(weight_layers) >= DEEP_AT and code.whole:
        found.set("depth", "deep", weight_layers[0].site)
    for call in code.calls:
        if _loads_pretrained(call):
            found.set("architecture", "pretrained", call.site)
            return
    for kind, names in (
        ("transformer", vocab.TRANSFORMER_LAYERS),
        ("recurrent", vocab.RECURRENT_LAYERS),
        ("cnn", vocab.CONV_LAYERS),
    ):
        hit = next((c for c in code.calls if c.short in names), None)
        if hit is not None:
            found.set("architecture", kind, hit.site)
            return
    linear = [c for c in layers if c.short in vocab.LINEAR_LAYERS]
    if len(linear) >= 2:
        found.set("architecture", "mlp", linear[0].site)


def _loads_pretrained(call: Call) -> bool:
    weights = keyword_value(call.node, "weights")
    return (
        call.short in vocab.PRETRAINED_SOURCES
        or constant_value(keyword_value(call.node, "pretrained")) is True
        or (weights is not None and constant_value(weights) is not None)
        or ".applications." in f".{call.name}."
    )


FINE_TUNING_RATES: tuple[tuple[float, Value], ...] = (
    (1e-2, "very_high"),
    (5e-4, "high"),
    (5e-6, "normal"),
)
"""Learning-rate levels for fine-tuning pretrained weights, which want rates ten to a hundred
times smaller than training from scratch (1e-5 to 1e-4 for a pretrained transformer)."""


def _fine_tuning_rate(lr: float) -> Value:
    return next((level for edge, level in FINE_TUNING_RATES if lr >= edge), "low")


def read_optimizer(code: Code, found: Found) -> None:
    optimizer: Value | None = None
    learning_rate: tuple[float, Site] | None = None
    decay: tuple[float, Site] | None = None
    adamw = False
    for call in code.calls:
        if call.short in vocab.OPTIMIZERS and optimizer is None:
            optimizer = vocab.OPTIMIZERS[call.short]
            adamw = call.short == "AdamW"
            found.set("optimizer", optimizer, call.site)
            # PyTorch takes the parameters first; Keras takes the learning rate first
            first = number_value(call.node.args[0]) if call.node.args else None
            lr = first if first is not None else number_value(argument_value(call.node, 1, "lr"))
            lr = number_value(keyword_value(call.node, "lr", "learning_rate")) or lr
            if lr is not None and lr > 0:
                learning_rate = (lr, call.site)
            wd = number_value(keyword_value(call.node, "weight_decay"))
            if wd is not None and wd > 0:
                decay = (wd, call.site)
            _read_optimized_parameters(call, found)
        elif call.short == "compile" and optimizer is None:
            names = [s.lower() for s in string_constants(keyword_value(call.node, "optimizer"))]
            if names and names[0] in vocab.KERAS_OPTIMIZER_NAMES:
                optimizer = vocab.KERAS_OPTIMIZER_NAMES[names[0]]
                found.set("optimizer", optimizer, call.site)
    if learning_rate is not None:
        found.set(
            "learning_rate",
            _fine_tuning_rate(learning_rate[0])
            if found.facts.get("architecture") == "pretrained"
            else learning_rate_level(learning_rate[0], optimizer),
            learning_rate[1],
        )
    _read_regularisation(code, found, decay, adamw, optimizer)
    _read_schedule(code, found)
    _read_batchnorm(code, found)


def _read_batchnorm(code: Code, found: Found) -> None:
    call = next((c for c in code.calls if c.short in vocab.BATCHNORM_LAYERS), None)
    if call is not None:
        found.set("batchnorm", "yes", call.site)


def _read_schedule(code: Code, found: Found) -> None:
    for call in code.calls:
        if call.short in vocab.CUSTOM_SCHEDULES:
            found.set("lr_schedule", "custom", call.site)
            return
        if call.short in vocab.LIBRARY_SCHEDULES:
            found.set("lr_schedule", "library", call.site)
            return


def _read_optimized_parameters(call: Call, found: Found) -> None:
    """An optimizer handed the parameters of one part of the model trains only that part."""
    first = argument_value(call.node, 0, "params")
    if isinstance(first, ast.Call) and short_name(dotted(first.func)) == "parameters":
        owner = dotted(first.func)[: -len(".parameters")]
        if owner.count(".") >= 1 and not owner.startswith("self."):
            found.set("frozen_layers", "yes", call.site)


def _read_regularisation(
    code: Code,
    found: Found,
    decay: tuple[float, Site] | None,
    adamw: bool,
    optimizer: Value | None,
) -> None:
    levels: list[tuple[Value, Site]] = []
    for call in code.calls:
        level: Value | None = None
        if call.short in vocab.DROPOUT_LAYERS or call.short == "dropout":
            # F.dropout(x, p) takes the tensor first
            at = 1 if call.short == "dropout" else 0
            p = number_value(argument_value(call.node, at, "p", "rate"))
            level = regularisation_level("dropout", p) if p is not None else None
        elif call.short in ("l2", "L2", "l1_l2", "L1L2"):
            penalty = number_value(argument_value(call.node, 0, "l2", "l"))
            level = regularisation_level("l2_penalty", penalty) if penalty is not None else None
        if level is not None:
            levels.append((level, call.site))
    if decay is not None:
        # AdamW's decay is decoupled and scaled by the learning rate: its usual values are larger
        kind: Regulariser = "decoupled_weight_decay" if adamw else "weight_decay"
        level = regularisation_level(kind, decay[0])
        if level is not None:
            levels.append((level, decay[1]))
    strong = [site for level, site in levels if level == "strong"]
    if strong:
        found.set("regularisation", "strong", strong[0])
    elif levels:
        found.set("regularisation", "moderate", levels[0][1])
    elif code.whole and optimizer is not None and code.layers.built:
        optimizer_call = next(
            c for c in code.calls if c.short in vocab.OPTIMIZERS or c.short == "compile"
        )
        found.set("regularisation", "none", optimizer_call.site)
