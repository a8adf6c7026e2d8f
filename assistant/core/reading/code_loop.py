"""What code says about the training loop: gradients cleared, stepped and kept, train and
eval mode, frozen layers, and the shapes that meet in the loss."""

from __future__ import annotations

import ast
import re

from assistant.core.reading import code_vocabulary as vocab
from assistant.core.reading.code import Scope, Statement
from assistant.core.reading.code_calls import (
    Assignment,
    Call,
    Code,
    Found,
    constant_value,
    dotted,
    expression_of,
    number_value,
    short_name,
    source_of,
    walk,
)


def _step_scope(statement: Statement) -> Scope | None:
    """The block one training step repeats in: the innermost loop, or else the function."""
    for scope in reversed(statement.scopes):
        if scope.kind in ("loop", "function", "no_grad") and (
            scope.kind != "no_grad" or scope.name
        ):
            return scope
    return None


def _is_optimizer_step(call: Call) -> bool:
    if call.short == "apply_gradients":
        return True
    owner = short_name(call.name[: -len(".step")]).lower() if call.name.endswith(".step") else ""
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


def _call_like(assignment: Assignment) -> Call:
    return Call(
        ast.Call(func=ast.Name("zero_grad"), args=[], keywords=[]),
        "zero_grad",
        "zero_grad",
        assignment.site,
    )


def _read_no_grad(code: Code, found: Found, backward: Call) -> None:
    if backward.site.statement.inside("no_grad") is not None:
        found.set("params_without_grad", "yes", backward.site)
        return
    for call in code.loss_calls:
        if call.site.statement.inside("no_grad") is not None or call.site.line > backward.site.line:
            continue
        function = call.site.statement.inside("function")
        for name in {n.id for n in walk(call.node.args[0]) if isinstance(n, ast.Name)}:
            assignment = code.last_assignment(name, call.site.line, function)
            if assignment is not None and assignment.site.statement.inside("no_grad"):
                # the prediction was made with gradients off: the loss cannot reach the model
                found.set("params_without_grad", "yes", call.site)
                return


_CUTS_GRAPH = frozenset({"detach", "item", "numpy", "tolist"})


def _cuts_graph(code: Code, expr: ast.expr) -> bool:
    for node in walk(expr):
        if isinstance(node, ast.Call) and short_name(dotted(node.func)) in _CUTS_GRAPH:
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
        if any(_cuts_graph(code, e) for e in expression_of(code, call.node.args[0], call.site)):
            found.set("params_without_grad", "yes", call.site)
            return


def _is_mode_call(call: Call, mode: str) -> bool:
    if call.short != mode or not call.name.endswith(f".{mode}") or call.node.keywords:
        return False
    if mode == "train":
        flag = constant_value(call.node.args[0]) if call.node.args else True
        return flag is True
    return not call.node.args


def _read_modes(code: Code, found: Found, scope: Scope | None) -> None:
    evals = [c for c in code.calls if _is_mode_call(c, "eval")]
    trains = [c for c in code.calls if _is_mode_call(c, "train")]
    trains += [
        c
        for c in code.calls
        if c.short == "train" and c.node.args and constant_value(c.node.args[0]) is False
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


def read_freezing(code: Code, found: Found) -> None:
    compiles = [c.site.line for c in code.calls if c.short == "compile"]
    fits = [c.site.line for c in code.calls if c.short in ("fit", "fit_generator")]
    for assignment in code.assignments:
        flag = constant_value(assignment.value)
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
        if call.node.args and constant_value(call.node.args[0]) is False:
            found.set("frozen_layers", "yes", call.site)


_PRETRAINED_PART = re.compile(
    r"base|backbone|features|encoder|pretrained|bert|resnet|vgg|inception|efficientnet|vit",
    re.IGNORECASE,
)
"""Names of the pretrained part of a model: freezing it to train a new head is transfer
learning as documented, not a frozen model."""

_FOR_IN = re.compile(r"\bfor\s+\w+\s+in\s+([\w.\[\]()]+)\s*:")


def _freezes_a_pretrained_base(code: Code, assignment: Assignment) -> bool:
    statement = assignment.site.statement
    owner = assignment.targets[0].rsplit(".", 1)[0]
    loop = statement.inside("loop")
    if loop is not None:
        header = next((s for s in code.statements if s.line == loop.line), None)
        if header is not None and isinstance(header.node, ast.For | ast.AsyncFor):
            owner = source_of(header.node.iter)
    elif 0 < statement.line <= len(code.lines):
        # a loop written on one line of prose: "for layer in base_model.layers: ..."
        found = _FOR_IN.findall(code.lines[statement.line - 1])
        owner = found[-1] if found else owner
    return bool(_PRETRAINED_PART.search(owner))


def _shape_kind(code: Code, exprs: list[ast.expr]) -> str | None:
    """``flat`` for a tensor made 1-D (``squeeze()``, ``view(-1)``), ``column`` for one made
    N x 1 (``unsqueeze(1)``, ``view(-1, 1)``, ``[:, None]``)."""
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, ast.Call):
                short = short_name(dotted(node.func))
                numbers = [number_value(a) for a in node.args]
                if short in ("squeeze", "flatten", "ravel") or (
                    short in ("view", "reshape") and numbers == [-1.0]
                ):
                    return "flat"
                if short == "unsqueeze" or (
                    short in ("view", "reshape") and numbers == [-1.0, 1.0]
                ):
                    return "column"
            if isinstance(node, ast.Subscript) and "None" in source_of(node.slice):
                return "column"
    return None


def read_shapes(code: Code, found: Found) -> None:
    for call in code.loss_calls:
        prediction = _shape_kind(code, expression_of(code, call.node.args[0], call.site))
        target = _shape_kind(code, expression_of(code, call.node.args[1], call.site))
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


def _scrambles(code: Code, call: Call) -> bool:
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
        source = source_of(assignment.value)
        if source.startswith(f"{tensor}.shape") or source.startswith(f"{tensor}.size("):
            order = [assignment.targets.index(n) for n in names if n in assignment.targets]
            return len(order) >= 2 and order != sorted(order)
    return False


def _axis_index(arg: ast.expr, tensor: str) -> int | None:
    if isinstance(arg, ast.Call) and dotted(arg.func) == f"{tensor}.size" and arg.args:
        index = number_value(arg.args[0])
        return int(index) if index is not None else None
    if isinstance(arg, ast.Subscript) and dotted(arg.value) == f"{tensor}.shape":
        index = number_value(arg.slice)
        return int(index) if index is not None else None
    return None
