"""What parsed code says about a setup, as facts of the knowledge base.

Each reading below looks at the statements :mod:`assistant.core.reading.code` found and sets
facts with the line that shows them. A fragment may lack the rest of the script, so an
absence (no ``zero_grad``, no regulariser) counts only where the code shows the part it
belongs to (a loop that steps the optimizer, a whole script).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from assistant.core.reading import code_vocabulary as vocab
from assistant.core.reading.code import Scope, Statement, header_nodes
from assistant.core.reading.numbers import epochs_level, learning_rate_level
from knowledge.types import FactId, Value

DEEP_AT = 10
"""From this many weight layers in one model, the network counts as deep."""


@dataclass
class Found:
    facts: dict[FactId, Value] = field(default_factory=dict)
    evidence: dict[FactId, tuple[int, str]] = field(default_factory=dict)
    """For each fact, the line number and the code quoted."""

    def set(self, fact: FactId, value: Value, at: _Site, *, override: bool = False) -> None:
        if fact in self.facts and not override:
            return
        self.facts[fact] = value
        self.evidence[fact] = (at.line, at.quote)


@dataclass(frozen=True)
class _Site:
    """Where something was seen: a line and the code quoted from it."""

    line: int
    quote: str
    statement: Statement


@dataclass(frozen=True)
class _Call:
    node: ast.Call
    name: str
    """The dotted name called: ``nn.CrossEntropyLoss``, ``optimizer.zero_grad``."""
    short: str
    """Its last part: ``CrossEntropyLoss``, ``zero_grad``."""
    site: _Site


@dataclass(frozen=True)
class _Assignment:
    targets: tuple[str, ...]
    """Dotted names assigned (``self.fc``, ``layer.trainable``), several when unpacked."""
    value: ast.expr
    site: _Site


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        base = dotted(node.func)
        return f"{base}()" if base else ""
    if isinstance(node, ast.Subscript):
        base = dotted(node.value)
        return f"{base}[]" if base else ""
    return ""


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _constant(node: ast.AST | None) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
    ):
        return -node.operand.value
    return None


def _number(node: ast.AST | None) -> float | None:
    value = _constant(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _argument(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    found = _keyword(call, *names)
    if found is not None:
        return found
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def _strings(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):
        return ""


class Code:
    """The calls and assignments of the statements, in the order of the text."""

    def __init__(self, statements: list[Statement], lines: list[str], whole: bool) -> None:
        self.statements = statements
        self.whole = whole
        self.lines = lines
        self.calls: list[_Call] = []
        self.assignments: list[_Assignment] = []
        self._by_node: dict[int, _Call] = {}
        for statement in statements:
            self._collect(statement)
        self.constructed: dict[str, _Call] = {}
        """Names bound to a constructor call: ``criterion`` -> ``nn.CrossEntropyLoss()``."""
        for assignment in self.assignments:
            if isinstance(assignment.value, ast.Call) and len(assignment.targets) == 1:
                call = self.call_of(assignment.value)
                if call is not None:
                    self.constructed.setdefault(assignment.targets[0], call)

    @cached_property
    def layers(self) -> Layers:
        return model_layers(self)

    @cached_property
    def loss_calls(self) -> list[_Call]:
        return loss_calls(self)

    def _collect(self, statement: Statement) -> None:
        for found in _calls_in_order(header_nodes(statement.node)):
            name = dotted(found.func)
            site = self._site(statement, getattr(found, "lineno", statement.line))
            call = _Call(found, name, _short(name), site)
            self.calls.append(call)
            self._by_node[id(found)] = call
        node = statement.node
        if isinstance(node, ast.Assign):
            targets = tuple(name for t in node.targets for name in _target_names(t))
            self.assignments.append(_Assignment(targets, node.value, self._site(statement)))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets = tuple(_target_names(node.target))
            self.assignments.append(_Assignment(targets, node.value, self._site(statement)))

    def call_of(self, node: ast.Call) -> _Call | None:
        return self._by_node.get(id(node))

    def _site(self, statement: Statement, line: int | None = None) -> _Site:
        line = statement.line if line is None else line
        if line == statement.line or not 0 < line <= len(self.lines):
            return _Site(statement.line, statement.quote, statement)
        quote = self.lines[line - 1].strip()
        return _Site(line, quote[:99] + "…" if len(quote) > 100 else quote, statement)

    def calls_named(self, *shorts: str) -> Iterator[_Call]:
        return (call for call in self.calls if call.short in shorts)

    def last_assignment(self, name: str, before: int, within: Scope | None) -> _Assignment | None:
        found = None
        for assignment in self.assignments:
            if assignment.site.line >= before:
                break
            if name in assignment.targets and (
                within is None or within in assignment.site.statement.scopes
            ):
                found = assignment
        return found


def _calls_in_order(parts: list[ast.AST]) -> list[ast.Call]:
    """The calls under ``parts``, in the order they start in the text.

    A plain stack over ``_fields``: ``ast.walk`` was most of the reading time of a long
    script."""
    calls: list[ast.Call] = []
    stack = list(parts)
    while stack:
        node = stack.pop()
        if type(node) is ast.Call:
            calls.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
    if len(calls) > 1:
        calls.sort(key=_position)
    return calls


def _position(node: ast.Call) -> tuple[int, int, int]:
    # the callee starts where the call does: the outer call, being longer, comes first
    return (node.lineno, node.col_offset, -(node.end_col_offset or 0))


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _target_names(element)]
    name = dotted(target)
    return [name] if name else []


# -- the loss -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    value: Value
    framework: str
    from_logits: bool
    site: _Site

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
            from_logits = _constant(_keyword(call.node, "from_logits")) is True
            if framework == vocab.KERAS and call.short == "BinaryCrossentropy" and from_logits:
                value = "bce_with_logits"
            loss = Loss(value, framework, from_logits, call.site)
        elif call.short == "compile":
            named = [
                s for s in _strings(_keyword(call.node, "loss")) if s in vocab.KERAS_LOSS_NAMES
            ]
            if named:
                loss = Loss(vocab.KERAS_LOSS_NAMES[named[0]], vocab.KERAS, False, call.site)
        if loss is not None:
            break
    if loss is None:
        for assignment in code.assignments:
            if assignment.targets != ("loss",):
                continue
            strings = _strings(assignment.value)
            if strings and strings[0] in vocab.KERAS_LOSS_NAMES:
                loss = Loss(vocab.KERAS_LOSS_NAMES[strings[0]], vocab.KERAS, False, assignment.site)
                break
    if loss is not None:
        found.set("loss_function", loss.value, loss.site)
    return loss


# -- the model's output ------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    activation: Value
    units: int | None
    site: _Site
    node: ast.Call | None = None
    """The call that makes the output: a layer is hidden unless it is this one."""


def _layer(code: Code, call: _Call, depth: int = 0) -> Output | None:
    """The output a layer constructor gives: an activation, a linear layer with its units, or
    (for a container) its last layer."""
    node = call.node
    if call.short in vocab.ACTIVATION_MODULES:
        return Output(vocab.ACTIVATION_MODULES[call.short], None, call.site, node)
    if call.short == "Activation":
        names = [
            s
            for s in _strings(_argument(node, 0, "activation"))
            if s in vocab.KERAS_ACTIVATION_NAMES
        ]
        if not names:
            return None
        return Output(vocab.KERAS_ACTIVATION_NAMES[names[0]], None, call.site, node)
    if call.short in ("Linear", "LazyLinear") or call.short in vocab.CONV_LAYERS:
        index = 0 if call.short == "LazyLinear" else 1
        units = _number(_argument(node, index, "out_features", "out_channels", "filters"))
        if call.short.endswith(("D", "2D")) and call.short in vocab.CONV_LAYERS:
            return _keras_layer(call, _number(_argument(node, 0, "filters")))
        return Output("none", int(units) if units else None, call.site, node)
    if call.short == "Dense":
        return _keras_layer(call, _number(_argument(node, 0, "units")))
    if call.short == "Sequential" and depth < 4:
        elements = _container_elements(node)
        for element in reversed(elements):
            inner = code.call_of(element)
            if inner is None or inner.short in vocab.PASS_THROUGH_LAYERS:
                continue
            return _layer(code, inner, depth + 1)
    return None


def _keras_layer(call: _Call, units: float | None) -> Output:
    activation = _keyword(call.node, "activation")
    value: Value = "none"
    if activation is not None:
        names = _strings(activation) or [_short(dotted(activation))]
        value = vocab.KERAS_ACTIVATION_NAMES.get(names[0], "none") if names else "none"
    return Output(value, int(units) if units else None, call.site, call.node)


def _container_elements(node: ast.Call) -> list[ast.Call]:
    if len(node.args) == 1 and isinstance(node.args[0], ast.List | ast.Tuple):
        items: list[ast.expr] = list(node.args[0].elts)
    else:
        items = list(node.args)
    return [item for item in items if isinstance(item, ast.Call)]


def _resolve(code: Code, expr: ast.expr, site: _Site, depth: int = 0) -> Output | None:
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
    site = _Site(last.line, last.quote, last)
    return _resolve(code, value, site) if value is not None else None


_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})
"""Methods that return the model they are called on: ``Net().to(device)`` is a ``Net``."""


def _the_model(code: Code) -> _Call | None:
    """The constructor the code binds to its model variable (``model = Net().to(device)``)."""
    for assignment in reversed(code.assignments):
        if len(assignment.targets) != 1 or not isinstance(assignment.value, ast.Call):
            continue
        if _short(assignment.targets[0]) not in vocab.MODEL_NAMES:
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


@dataclass(frozen=True)
class Layers:
    built: list[_Call]
    """Layer constructors that build a model: inside a container, added with ``.add``,
    bound to ``self.X``, or called on a tensor at once (Keras' functional style)."""
    loose: list[_Call]
    """Layers named elsewhere in a fragment or in prose ("it ends with nn.Softmax(dim=1)")."""


def model_layers(code: Code) -> Layers:
    inside: set[int] = set()
    for call in code.calls:
        if call.short in vocab.CONTAINERS or call.short == "add":
            elements = (
                _container_elements(call.node)
                if call.short in vocab.CONTAINERS
                else [a for a in call.node.args if isinstance(a, ast.Call)]
            )
            inside.update(id(e) for e in elements)
        if isinstance(call.node.func, ast.Call):
            inside.add(id(call.node.func))
    for assignment in code.assignments:
        if (
            assignment.targets
            and assignment.targets[0].startswith("self.")
            and isinstance(assignment.value, ast.Call)
        ):
            inside.add(id(assignment.value))
    # nn.Sigmoid()(out) handed to a loss is the loss's input, not a layer of the model
    into_loss = {
        id(node)
        for call in code.loss_calls
        for arg in call.node.args
        for node in ast.walk(arg)
        if isinstance(node, ast.Call)
    }
    layers = [c for c in code.calls if _is_layer(c) and id(c.node) not in into_loss]
    built = [c for c in layers if id(c.node) in inside]
    loose = [] if code.whole else [c for c in layers if id(c.node) not in inside]
    return Layers(built, loose)


def _is_layer(call: _Call) -> bool:
    return (
        call.short in vocab.ACTIVATION_MODULES
        or call.short in vocab.LINEAR_LAYERS
        or call.short in vocab.CONV_LAYERS
        or call.short in vocab.RECURRENT_LAYERS
        or call.short in vocab.TRANSFORMER_LAYERS
        or call.short in vocab.PASS_THROUGH_LAYERS
        or call.short == "Activation"
    )


def _output_of_layers(code: Code, layers: list[_Call]) -> Output | None:
    for call in reversed(layers):
        if call.short in vocab.PASS_THROUGH_LAYERS:
            continue
        if call.short in vocab.RECURRENT_LAYERS or call.short in vocab.TRANSFORMER_LAYERS:
            return None
        return _layer(code, call)
    return None


_FINAL_ACTIVATIONS = frozenset({"softmax", "log_softmax", "sigmoid"})
"""Activations that, named on their own, belong at the end of a model."""


def _output_of_loose(code: Code, layers: list[_Call]) -> Output | None:
    """Of layers named outside a model, only those that can only mean the output: a
    softmax, log-softmax or sigmoid, or a Keras ``Dense`` with its activation."""
    for call in reversed(layers):
        layer = _layer(code, call)
        if layer is None:
            continue
        if layer.activation in _FINAL_ACTIVATIONS and call.short != "Dense":
            return layer
        if call.short == "Dense" and _keyword(call.node, "activation") is not None:
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


# -- loss calls --------------------------------------------------------------------------------


def loss_calls(code: Code) -> list[_Call]:
    """Calls that compute the loss: of a loss object, a functional loss, or a name people give
    the loss (``criterion(out, y)``)."""
    loss_names = {
        name for name, call in code.constructed.items() if call.short in vocab.LOSSES
    } | vocab.LOSS_VARIABLE_NAMES
    found: list[_Call] = []
    for call in code.calls:
        if len(call.node.args) < 2:
            continue
        if (
            call.name in loss_names
            or (call.short in vocab.LOSSES and call.short[0].islower())
            or (
                isinstance(call.node.func, ast.Call)
                and _short(dotted(call.node.func.func)) in vocab.LOSSES
            )
        ):
            found.append(call)
    return found


def _loss_kind(code: Code, call: _Call, loss: Loss | None) -> Value | None:
    if call.short in vocab.LOSSES:
        return vocab.LOSSES[call.short][0]
    constructed = code.constructed.get(call.name)
    if constructed is not None and constructed.short in vocab.LOSSES:
        return vocab.LOSSES[constructed.short][0]
    if isinstance(call.node.func, ast.Call):
        return vocab.LOSSES.get(_short(dotted(call.node.func.func)), (None, ""))[0]
    return loss.value if loss else None


def _expression_of(code: Code, expr: ast.expr, site: _Site) -> list[ast.expr]:
    """``expr`` and, for a name, what it was last assigned in the same function."""
    found = [expr]
    if isinstance(expr, ast.Name):
        function = site.statement.inside("function")
        assignment = code.last_assignment(expr.id, site.line, function)
        if assignment is not None and len(assignment.targets) == 1:
            found.append(assignment.value)
    return found


def _calls_in(code: Code, exprs: list[ast.expr]) -> list[_Call]:
    return [
        call
        for expr in exprs
        for node in ast.walk(expr)
        if isinstance(node, ast.Call) and (call := code.call_of(node)) is not None
    ]


@dataclass(frozen=True)
class _IntoLoss:
    activation: Value
    site: _Site


def _activation_into_loss(code: Code, loss: Loss | None) -> _IntoLoss | None:
    """A softmax or sigmoid applied to the prediction on its way into a loss that applies
    its own."""
    for call in code.loss_calls:
        kind = _loss_kind(code, call, loss)
        wanted = {"cross_entropy": "softmax", "bce_with_logits": "sigmoid"}.get(kind or "")
        if wanted is None or (loss is not None and loss.expects_probabilities):
            continue
        for inner in _calls_in(code, _expression_of(code, call.node.args[0], call.site)):
            if (
                vocab.ACTIVATION_FUNCTIONS.get(inner.short) == wanted
                or vocab.ACTIVATION_MODULES.get(
                    code.constructed[inner.name].short if inner.name in code.constructed else ""
                )
                == wanted
            ):
                return _IntoLoss(wanted, call.site)
    return None


# -- the rest of the model -----------------------------------------------------------------------


def read_model(code: Code, found: Found, output: Output | None) -> None:
    layers = code.layers.built
    output_node = output.node if output is not None else None
    kinds: list[tuple[Value, _Site]] = []
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


def _hidden_activation(kinds: list[tuple[Value, _Site]]) -> tuple[Value, _Site] | None:
    mapped = [("sigmoid_tanh" if k in ("sigmoid", "tanh") else k, site) for k, site in kinds]
    mapped = [(k, site) for k, site in mapped if k in ("relu", "leaky", "sigmoid_tanh")]
    if not mapped:
        return None
    counts = {k: sum(1 for kk, _ in mapped if kk == k) for k, _ in mapped}
    best = max(counts, key=lambda k: (counts[k], k == "sigmoid_tanh"))
    return next((k, site) for k, site in mapped if k == best)


def _read_linear_stack(code: Code, found: Found) -> None:
    for call in code.calls_named("Sequential"):
        previous_linear: _Call | None = None
        for element in _container_elements(call.node):
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


def _read_architecture(code: Code, found: Found, layers: list[_Call]) -> None:
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


def _loads_pretrained(call: _Call) -> bool:
    weights = _keyword(call.node, "weights")
    return (
        call.short in vocab.PRETRAINED_SOURCES
        or _constant(_keyword(call.node, "pretrained")) is True
        or (weights is not None and _constant(weights) is not None)
        or ".applications." in f".{call.name}."
    )


# -- optimizer and regularisation ---------------------------------------------------------------


def read_optimizer(code: Code, found: Found) -> None:
    optimizer: Value | None = None
    learning_rate: tuple[float, _Site] | None = None
    decay: tuple[float, _Site] | None = None
    adamw = False
    for call in code.calls:
        if call.short in vocab.OPTIMIZERS and optimizer is None:
            optimizer = vocab.OPTIMIZERS[call.short]
            adamw = call.short == "AdamW"
            found.set("optimizer", optimizer, call.site)
            # PyTorch takes the parameters first; Keras takes the learning rate first
            first = _number(call.node.args[0]) if call.node.args else None
            lr = first if first is not None else _number(_argument(call.node, 1, "lr"))
            lr = _number(_keyword(call.node, "lr", "learning_rate")) or lr
            if lr is not None and lr > 0:
                learning_rate = (lr, call.site)
            wd = _number(_keyword(call.node, "weight_decay"))
            if wd is not None and wd > 0:
                decay = (wd, call.site)
            _read_optimized_parameters(call, found)
        elif call.short == "compile" and optimizer is None:
            names = [s.lower() for s in _strings(_keyword(call.node, "optimizer"))]
            if names and names[0] in vocab.KERAS_OPTIMIZER_NAMES:
                optimizer = vocab.KERAS_OPTIMIZER_NAMES[names[0]]
                found.set("optimizer", optimizer, call.site)
    if learning_rate is not None:
        found.set(
            "learning_rate", learning_rate_level(learning_rate[0], optimizer), learning_rate[1]
        )
    _read_regularisation(code, found, decay, adamw, optimizer)


def _read_optimized_parameters(call: _Call, found: Found) -> None:
    """An optimizer handed the parameters of one part of the model trains only that part."""
    first = _argument(call.node, 0, "params")
    if isinstance(first, ast.Call) and _short(dotted(first.func)) == "parameters":
        owner = dotted(first.func)[: -len(".parameters")]
        if owner.count(".") >= 1 and not owner.startswith("self."):
            found.set("frozen_layers", "yes", call.site)


def _read_regularisation(
    code: Code,
    found: Found,
    decay: tuple[float, _Site] | None,
    adamw: bool,
    optimizer: Value | None,
) -> None:
    levels: list[tuple[Value, _Site]] = []
    for call in code.calls:
        if call.short in vocab.DROPOUT_LAYERS or call.short == "dropout":
            p = _number(_argument(call.node, 0, "p", "rate"))
            if call.short == "dropout":
                p = _number(_argument(call.node, 1, "p", "rate"))
            if p is not None and 0 < p < 1:
                levels.append(("strong" if p >= 0.5 else "moderate", call.site))
        elif call.short in ("l2", "L2", "l1_l2", "L1L2"):
            penalty = _number(_argument(call.node, 0, "l2", "l"))
            if penalty is not None and penalty > 0:
                levels.append(("strong" if penalty >= 0.01 else "moderate", call.site))
    if decay is not None:
        # AdamW's default is 0.01 and its decay is scaled by the learning rate: not strong
        strong_at = 0.1 if adamw else 0.01
        levels.append(("strong" if decay[0] >= strong_at else "moderate", decay[1]))
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


# -- the training loop ---------------------------------------------------------------------------


def _step_scope(statement: Statement) -> Scope | None:
    """The block one training step repeats in: the innermost loop, or else the function."""
    for scope in reversed(statement.scopes):
        if scope.kind in ("loop", "function", "no_grad") and (
            scope.kind != "no_grad" or scope.name
        ):
            return scope
    return None


def _is_optimizer_step(call: _Call) -> bool:
    if call.short == "apply_gradients":
        return True
    owner = _short(call.name[: -len(".step")]).lower() if call.name.endswith(".step") else ""
    return call.short == "step" and not ("sched" in owner or owner.startswith(("lr", "warmup")))


def read_loop(code: Code, found: Found) -> None:
    backwards = [c for c in code.calls if c.short == "backward"]
    if not backwards:
        return
    backward = backwards[0]
    scope = _step_scope(backward.site.statement)
    steps = [c for c in code.calls if _is_optimizer_step(c)]
    clears = [
        c
        for c in code.calls
        if c.short == "zero_grad" or (c.short in ("zero_", "fill_") and ".grad" in c.name)
    ] + [_call_like(a) for a in code.assignments if any(t.endswith(".grad") for t in a.targets)]
    in_step = [c for c in clears if scope is None or scope in c.site.statement.scopes]
    if in_step:
        found.set("zero_grad_called", "yes", in_step[0].site)
        step = next((s for s in steps if scope is None or scope in s.site.statement.scopes), None)
        clear = in_step[0]
        if (
            step is not None
            and backward.site.line < clear.site.line < step.site.line
            and all(c.site.line > backward.site.line for c in in_step)
        ):
            found.set("train_step_updates", "no", clear.site)
    elif steps:
        found.set("zero_grad_called", "no", clears[0].site if clears else backward.site)
    elif (
        code.whole
        and backward.site.statement.inside("loop") is not None
        and any(c.short in vocab.OPTIMIZERS for c in code.calls)
    ):
        # the whole loop and the optimizer are in sight, and nothing ever steps
        found.set("train_step_updates", "no", backward.site)
    _read_no_grad(code, found, backward)
    _read_detach(code, found, scope)
    _read_modes(code, found, scope)


def _call_like(assignment: _Assignment) -> _Call:
    return _Call(
        ast.Call(func=ast.Name("zero_grad"), args=[], keywords=[]),
        "zero_grad",
        "zero_grad",
        assignment.site,
    )


def _read_no_grad(code: Code, found: Found, backward: _Call) -> None:
    if backward.site.statement.inside("no_grad") is not None:
        found.set("params_without_grad", "yes", backward.site)
        return
    for call in code.loss_calls:
        if call.site.statement.inside("no_grad") is not None or call.site.line > backward.site.line:
            continue
        function = call.site.statement.inside("function")
        for name in {n.id for n in ast.walk(call.node.args[0]) if isinstance(n, ast.Name)}:
            assignment = code.last_assignment(name, call.site.line, function)
            if assignment is not None and assignment.site.statement.inside("no_grad"):
                # the prediction was made with gradients off: the loss cannot reach the model
                found.set("params_without_grad", "yes", call.site)
                return


_CUTS_GRAPH = frozenset({"detach", "item", "numpy", "tolist"})


def _cuts_graph(code: Code, expr: ast.expr) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and _short(dotted(node.func)) in _CUTS_GRAPH:
            return True
        if isinstance(node, ast.Call) and dotted(node.func) in ("torch.tensor", "torch.from_numpy"):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "data":
            return True
    return False


def _read_detach(code: Code, found: Found, scope: Scope | None) -> None:
    for call in code.loss_calls:
        if scope is not None and scope not in call.site.statement.scopes:
            continue
        if any(_cuts_graph(code, e) for e in _expression_of(code, call.node.args[0], call.site)):
            found.set("params_without_grad", "yes", call.site)
            return


def _is_mode_call(call: _Call, mode: str) -> bool:
    if call.short != mode or not call.name.endswith(f".{mode}") or call.node.keywords:
        return False
    if mode == "train":
        flag = _constant(call.node.args[0]) if call.node.args else True
        return flag is True
    return not call.node.args


def _read_modes(code: Code, found: Found, scope: Scope | None) -> None:
    evals = [c for c in code.calls if _is_mode_call(c, "eval")]
    trains = [c for c in code.calls if _is_mode_call(c, "train")]
    trains += [
        c
        for c in code.calls
        if c.short == "train" and c.node.args and _constant(c.node.args[0]) is False
    ]
    if not evals:
        return
    if not trains:
        found.set("mode_switching", "missing", evals[0].site)
        return
    if scope is not None and scope.kind == "loop":
        evals_in_loop = [c for c in evals if scope in c.site.statement.scopes]
        trains_in_loop = [c for c in trains if scope in c.site.statement.scopes]
        if evals_in_loop and not any(
            t.site.line < evals_in_loop[0].site.line or t.site.line > evals_in_loop[-1].site.line
            for t in trains_in_loop
        ):
            # the first evaluation inside the loop leaves every later step in eval mode
            found.set("mode_switching", "missing", evals_in_loop[0].site)
            return
    # train() again at the top of each epoch: evaluation in between leaves no lasting mark
    again = [t for t in trains if t.site.statement.inside("loop") is not None]
    if again:
        found.set("mode_switching", "correct", again[0].site)


# -- freezing ------------------------------------------------------------------------------------


def read_freezing(code: Code, found: Found) -> None:
    compiles = [c.site.line for c in code.calls if c.short == "compile"]
    fits = [c.site.line for c in code.calls if c.short in ("fit", "fit_generator")]
    for assignment in code.assignments:
        flag = _constant(assignment.value)
        names = [t for t in assignment.targets if t.endswith((".requires_grad", ".trainable"))]
        if not names or not isinstance(flag, bool):
            continue
        if flag is False and _freezes_a_pretrained_base(code, assignment):
            found.set("architecture", "pretrained", assignment.site)
        elif flag is False:
            found.set("frozen_layers", "yes", assignment.site)
        line = assignment.site.line
        # Keras fixes the trained weights at compile(): a later change of .trainable needs a
        # new compile() before fit() sees it
        if names[0].endswith(".trainable") and any(c < line for c in compiles):
            later_fit = next((f for f in fits if f > line), None)
            if later_fit is not None and not any(line < c < later_fit for c in compiles):
                found.set("params_without_grad", "yes", assignment.site)
    for call in code.calls_named("requires_grad_"):
        if call.node.args and _constant(call.node.args[0]) is False:
            found.set("frozen_layers", "yes", call.site)


_PRETRAINED_PART = re.compile(
    r"base|backbone|features|encoder|pretrained|bert|resnet|vgg|inception|efficientnet|vit",
    re.IGNORECASE,
)
"""Names of the pretrained part of a model: freezing it to train a new head is transfer
learning as documented, not a frozen model."""
_FOR_IN = re.compile(r"\bfor\s+\w+\s+in\s+([\w.\[\]()]+)\s*:")


def _freezes_a_pretrained_base(code: Code, assignment: _Assignment) -> bool:
    statement = assignment.site.statement
    owner = assignment.targets[0].rsplit(".", 1)[0]
    loop = statement.inside("loop")
    if loop is not None:
        header = next((s for s in code.statements if s.line == loop.line), None)
        if header is not None and isinstance(header.node, ast.For | ast.AsyncFor):
            owner = _text(header.node.iter)
    elif 0 < statement.line <= len(code.lines):
        # a loop written on one line of prose: "for layer in base_model.layers: ..."
        found = _FOR_IN.findall(code.lines[statement.line - 1])
        owner = found[-1] if found else owner
    return bool(_PRETRAINED_PART.search(owner))


# -- shapes -------------------------------------------------------------------------------------


def _shape_kind(code: Code, exprs: list[ast.expr]) -> str | None:
    """``flat`` for a tensor made 1-D (``squeeze()``, ``view(-1)``), ``column`` for one made
    N x 1 (``unsqueeze(1)``, ``view(-1, 1)``, ``[:, None]``)."""
    for expr in exprs:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                short = _short(dotted(node.func))
                numbers = [_number(a) for a in node.args]
                if short in ("squeeze", "flatten", "ravel") or (
                    short in ("view", "reshape") and numbers == [-1.0]
                ):
                    return "flat"
                if short == "unsqueeze" or (
                    short in ("view", "reshape") and numbers == [-1.0, 1.0]
                ):
                    return "column"
            if isinstance(node, ast.Subscript) and "None" in _text(node.slice):
                return "column"
    return None


def read_shapes(code: Code, found: Found) -> None:
    for call in code.loss_calls:
        prediction = _shape_kind(code, _expression_of(code, call.node.args[0], call.site))
        target = _shape_kind(code, _expression_of(code, call.node.args[1], call.site))
        if {prediction, target} == {"flat", "column"}:
            found.set("broadcast_mismatch", "yes", call.site)
            break
    for call in code.calls:
        if (
            call.short in ("view", "reshape")
            and len(call.node.args) >= 2
            and _scrambles(code, call)
        ):
            found.set("reshape_scrambles", "yes", call.site)
            break


def _scrambles(code: Code, call: _Call) -> bool:
    """A ``view`` whose sizes name the tensor's own axes in another order: it regroups the
    values instead of swapping axes, which is what ``permute`` does."""
    if not isinstance(call.node.func, ast.Attribute):
        return False
    tensor = dotted(call.node.func.value)
    indices = [_axis_index(arg, tensor) for arg in call.node.args]
    known = [i for i in indices if i is not None]
    if len(known) >= 2 and known != sorted(known):
        return True
    names = [arg.id for arg in call.node.args if isinstance(arg, ast.Name)]
    if len(names) < 2:
        return False
    for assignment in code.assignments:
        if assignment.site.line >= call.site.line or len(assignment.targets) < 2:
            continue
        source = _text(assignment.value)
        if source.startswith(f"{tensor}.shape") or source.startswith(f"{tensor}.size("):
            order = [assignment.targets.index(n) for n in names if n in assignment.targets]
            return len(order) >= 2 and order != sorted(order)
    return False


def _axis_index(arg: ast.expr, tensor: str) -> int | None:
    if isinstance(arg, ast.Call) and dotted(arg.func) == f"{tensor}.size" and arg.args:
        index = _number(arg.args[0])
        return int(index) if index is not None else None
    if isinstance(arg, ast.Subscript) and dotted(arg.value) == f"{tensor}.shape":
        index = _number(arg.slice)
        return int(index) if index is not None else None
    return None


# -- data, splits, metrics ----------------------------------------------------------------------


def read_data(code: Code, found: Found, loss: Loss | None) -> None:
    _read_split(code, found)
    _read_scaling(code, found)
    for call in code.calls:
        weighted = (
            _keyword(call.node, "class_weight", "pos_weight") is not None
            and _constant(_keyword(call.node, "class_weight", "pos_weight")) is None
        )
        if call.short in ("CrossEntropyLoss", "NLLLoss", "BCELoss") and _keyword(
            call.node, "weight"
        ):
            weighted = True
        if (
            weighted
            or call.short == "WeightedRandomSampler"
            or _constant(_keyword(call.node, "class_weight")) == "balanced"
        ):
            found.set("class_balance", "imbalanced", call.site)
        shuffle = _constant(_keyword(call.node, "shuffle"))
        if shuffle is False and (
            call.short == "fit"
            or (
                call.short == "DataLoader" and "train" in _text(call.node.args[0])
                if call.node.args
                else False
            )
        ):
            found.set("shuffling", "none", call.site)
    _read_epochs(code, found)
    _read_metrics(code, found, loss)


def _read_scaling(code: Code, found: Found) -> None:
    """Inputs put on a common scale: a scaler, a normalising transform, pixels over 255."""
    for call in code.calls:
        if call.short in vocab.SCALERS:
            found.set("inputs_normalised", "yes", call.site)
            return
    for assignment in code.assignments:
        for node in ast.walk(assignment.value):
            if (
                isinstance(node, ast.BinOp | ast.AugAssign)
                and isinstance(node.op, ast.Div)
                and _number(getattr(node, "right", None)) == 255
            ):
                found.set("inputs_normalised", "yes", assignment.site)
                return


def _read_split(code: Code, found: Found) -> None:
    splits = [c for c in code.calls if c.short in vocab.SPLITS]
    for call in splits:
        value = vocab.SPLITS[call.short]
        if _constant(_keyword(call.node, "shuffle")) is False:
            value = "ordered"
        found.set("split_method", value, call.site)
        break
    for call in code.calls:
        if (
            call.short in ("fit", "fit_generator")
            and _keyword(call.node, "validation_split") is not None
        ):
            # Keras takes the last rows, before any shuffling, as validation
            found.set("split_method", "ordered", call.site)
    if not splits:
        return
    first_split = splits[0].site.line
    for call in code.calls:
        if call.site.line >= first_split or call.short not in (
            "fit",
            "fit_transform",
            "fit_resample",
        ):
            continue
        if not isinstance(call.node.func, ast.Attribute):
            continue
        owner = call.node.func.value
        constructor = (
            code.call_of(owner)
            if isinstance(owner, ast.Call)
            else code.constructed.get(dotted(owner))
        )
        if constructor is None or constructor.short not in vocab.PREPROCESSORS:
            continue
        if "train" not in " ".join(_text(a) for a in call.node.args).lower():
            found.set("split_method", "after_preprocessing", call.site, override=True)
            return


def _read_epochs(code: Code, found: Found) -> None:
    for call in code.calls:
        if call.short in ("fit", "fit_generator"):
            epochs = _number(_keyword(call.node, "epochs", "nb_epoch"))
            if epochs is not None and epochs > 0:
                found.set("epochs", epochs_level(epochs), call.site)
                return
    for statement in code.statements:
        count = _epoch_loop_count(statement.node)
        if count is not None:
            site = _Site(statement.line, statement.quote, statement)
            found.set("epochs", epochs_level(count), site)
            return
    for assignment in code.assignments:
        if len(assignment.targets) == 1 and assignment.targets[0].lower() in (
            "epochs",
            "num_epochs",
            "n_epochs",
            "max_epochs",
            "nb_epoch",
            "epoch_num",
        ):
            count = _number(assignment.value)
            if count is not None and count > 0:
                found.set("epochs", epochs_level(count), assignment.site)
                return


def _epoch_loop_count(node: ast.stmt) -> float | None:
    """N of ``for epoch in range(N)``."""
    if not (
        isinstance(node, ast.For)
        and isinstance(node.target, ast.Name)
        and "epoch" in node.target.id.lower()
        and isinstance(node.iter, ast.Call)
        and dotted(node.iter.func) == "range"
        and node.iter.args
    ):
        return None
    count = _number(node.iter.args[0] if len(node.iter.args) == 1 else node.iter.args[1])
    return count if count is not None and count > 0 else None


def _read_metrics(code: Code, found: Found, loss: Loss | None) -> None:
    for call in code.calls:
        metrics = _keyword(call.node, "metrics") if call.short == "compile" else None
        names = (
            _strings(metrics)
            + [_short(dotted(n.func)) for n in ast.walk(metrics) if isinstance(n, ast.Call)]
            if metrics is not None
            else []
        )
        if call.short == "Accuracy" and "torchmetrics" in call.name:
            names = ["Accuracy"]
        if not names:
            continue
        accuracy = any(name in vocab.ACCURACY_METRICS for name in names)
        found.set("metric_watched", "accuracy" if accuracy else "other", call.site)
        if accuracy and loss is not None and loss.value in ("mse", "mae"):
            found.set("metric_task_fit", "mismatch", call.site)
        return


# -- odds and ends --------------------------------------------------------------------------------


def read_details(code: Code, found: Found) -> None:
    for call in code.calls:
        constant = call.short in ("zeros_", "constant_", "ones_") and "init" in call.name
        if constant or (call.short in ("fill_", "zero_") and "weight" in call.name):
            found.set("init_scheme", "custom_constant", call.site)
        elif call.short == "normal_" and "init" in call.name:
            std = _number(_argument(call.node, 2, "std"))
            if std is not None and std >= 1:
                found.set("init_scheme", "custom_large", call.site)
        if call.short in ("autocast", "GradScaler", "half") or (
            call.short == "set_global_policy" and "mixed" in " ".join(_strings(call.node))
        ):
            found.set("mixed_precision", "yes", call.site)
    for statement in code.statements:
        if isinstance(statement.node, ast.FunctionDef) and "loss" in statement.node.name.lower():
            body_calls = {
                _short(dotted(n.func)) for n in ast.walk(statement.node) if isinstance(n, ast.Call)
            }
            if body_calls & {"log", "exp", "log1p"} and not body_calls & set(vocab.LOSSES):
                found.set("custom_loss", "yes", _Site(statement.line, statement.quote, statement))


def facts_of(statements: list[Statement], lines: list[str], *, whole: bool) -> Found:
    """Every fact the statements show, with the line that shows it."""
    code = Code(statements, lines, whole)
    found = Found()
    loss = read_loss(code, found)
    output = read_output(code, found, loss)
    read_model(code, found, output)
    read_optimizer(code, found)
    read_loop(code, found)
    read_freezing(code, found)
    read_shapes(code, found)
    read_data(code, found, loss)
    read_details(code, found)
    return found
