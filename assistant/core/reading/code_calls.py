"""The calls and assignments of parsed code, and the helpers the code readers share.

:mod:`assistant.core.reading.code` finds the statements; :class:`Code` lists the calls and
assignments in them, in the order of the text, with the line each sits on, and knows which
calls build a model and which compute a loss.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from assistant.core.reading import code_vocabulary as vocab
from assistant.core.reading.code import Scope, Statement, header_nodes
from knowledge.types import FactId, Value


@dataclass
class Found:
    facts: dict[FactId, Value] = field(default_factory=dict)
    evidence: dict[FactId, tuple[int, str]] = field(default_factory=dict)
    """For each fact, the line number and the code quoted."""

    def set(self, fact: FactId, value: Value, at: Site, *, override: bool = False) -> None:
        if fact in self.facts and not override:
            return
        self.facts[fact] = value
        self.evidence[fact] = (at.line, at.quote)


@dataclass(frozen=True)
class Site:
    """Where something was seen: a line and the code quoted from it."""

    line: int
    quote: str
    statement: Statement


@dataclass(frozen=True)
class Call:
    node: ast.Call
    name: str
    """The dotted name called: ``nn.CrossEntropyLoss``, ``optimizer.zero_grad``."""
    short: str
    """Its last part: ``CrossEntropyLoss``, ``zero_grad``."""
    site: Site


@dataclass(frozen=True)
class Assignment:
    targets: tuple[str, ...]
    """Dotted names assigned (``self.fc``, ``layer.trainable``), several when unpacked."""
    value: ast.expr
    site: Site


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


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def constant_value(node: ast.AST | None) -> object:
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


def number_value(node: ast.AST | None) -> float | None:
    value = constant_value(node)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def keyword_value(call: ast.Call, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def argument_value(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    found = keyword_value(call, *names)
    if found is not None:
        return found
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def string_constants(node: ast.AST | None) -> list[str]:
    if node is None:
        return []
    return [n.value for n in walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def source_of(node: ast.AST) -> str:
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
        self.calls: list[Call] = []
        self.assignments: list[Assignment] = []
        self._by_node: dict[int, Call] = {}
        for statement in statements:
            self._collect(statement)
        self.constructed: dict[str, Call] = {}
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
    def loss_calls(self) -> list[Call]:
        return loss_calls(self)

    def _collect(self, statement: Statement) -> None:
        for found in _calls_in_order(header_nodes(statement.node)):
            name = dotted(found.func)
            site = self._site(statement, getattr(found, "lineno", statement.line))
            call = Call(found, name, short_name(name), site)
            self.calls.append(call)
            self._by_node[id(found)] = call
        node = statement.node
        if isinstance(node, ast.Assign):
            targets = tuple(name for t in node.targets for name in _target_names(t))
            self.assignments.append(Assignment(targets, node.value, self._site(statement)))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            targets = tuple(_target_names(node.target))
            self.assignments.append(Assignment(targets, node.value, self._site(statement)))

    def call_of(self, node: ast.Call) -> Call | None:
        return self._by_node.get(id(node))

    def _site(self, statement: Statement, line: int | None = None) -> Site:
        line = statement.line if line is None else line
        if line == statement.line or not 0 < line <= len(self.lines):
            return Site(statement.line, statement.quote, statement)
        quote = self.lines[line - 1].strip()
        return Site(line, quote[:99] + "…" if len(quote) > 100 else quote, statement)

    def calls_named(self, *shorts: str) -> Iterator[Call]:
        return (call for call in self.calls if call.short in shorts)

    def last_assignment(self, name: str, before: int, within: Scope | None) -> Assignment | None:
        found = None
        for assignment in self.assignments:
            if assignment.site.line >= before:
                break
            if name in assignment.targets and (
                within is None or within in assignment.site.statement.scopes
            ):
                found = assignment
        return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and every node under it, in the order of ``ast.walk`` (breadth first, each
    node's children in the order of its ``_fields``).

    One generator over a list: ``ast.walk`` stacks three generators and a deque per node,
    and walking expressions was a good part of the time reading a pasted message took.
    """
    todo = [node]
    for current in todo:  # the list grows as it is read: breadth first
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(item for item in value if isinstance(item, ast.AST))
        yield current


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


@dataclass(frozen=True)
class Layers:
    built: list[Call]
    """Layer constructors that build a model: inside a container, added with ``.add``,
    bound to ``self.X``, or called on a tensor at once (Keras' functional style)."""
    loose: list[Call]
    """Layers named elsewhere in a fragment or in prose ("it ends with nn.Softmax(dim=1)")."""


def model_layers(code: Code) -> Layers:
    inside: set[int] = set()
    for call in code.calls:
        if call.short in vocab.CONTAINERS or call.short == "add":
            elements = (
                container_elements(call.node)
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
        for node in walk(arg)
        if isinstance(node, ast.Call)
    }
    layers = [c for c in code.calls if is_layer(c) and id(c.node) not in into_loss]
    built = [c for c in layers if id(c.node) in inside]
    loose = [] if code.whole else [c for c in layers if id(c.node) not in inside]
    return Layers(built, loose)


def is_layer(call: Call) -> bool:
    return (
        call.short in vocab.ACTIVATION_MODULES
        or call.short in vocab.LINEAR_LAYERS
        or call.short in vocab.CONV_LAYERS
        or call.short in vocab.RECURRENT_LAYERS
        or call.short in vocab.TRANSFORMER_LAYERS
        or call.short in vocab.PASS_THROUGH_LAYERS
        or call.short == "Activation"
    )


def container_elements(node: ast.Call) -> list[ast.Call]:
    if len(node.args) == 1 and isinstance(node.args[0], ast.List | ast.Tuple):
        items: list[ast.expr] = list(node.args[0].elts)
    else:
        items = list(node.args)
    return [item for item in items if isinstance(item, ast.Call)]


def loss_calls(code: Code) -> list[Call]:
    """Calls that compute the loss: of a loss object, a functional loss, or a name people give
    the loss (``criterion(out, y)``)."""
    loss_names = {
        name for name, call in code.constructed.items() if call.short in vocab.LOSSES
    } | vocab.LOSS_VARIABLE_NAMES
    found: list[Call] = []
    for call in code.calls:
        if len(call.node.args) < 2:
            continue
        if (
            call.name in loss_names
            or (call.short in vocab.LOSSES and call.short[0].islower())
            or (
                isinstance(call.node.func, ast.Call)
                and short_name(dotted(call.node.func.func)) in vocab.LOSSES
            )
        ):
            found.append(call)
    return found


def expression_of(code: Code, expr: ast.expr, site: Site) -> list[ast.expr]:
    """``expr`` and, for a name, what it was last assigned in the same function."""
    found = [expr]
    if isinstance(expr, ast.Name):
        function = site.statement.inside("function")
        assignment = code.last_assignment(expr.id, site.line, function)
        if assignment is not None and len(assignment.targets) == 1:
            found.append(assignment.value)
    return found


def calls_in(code: Code, exprs: list[ast.expr]) -> list[Call]:
    return [
        call
        for expr in exprs
        for node in walk(expr)
        if isinstance(node, ast.Call) and (call := code.call_of(node)) is not None
    ]
