"""What code says about the data and the evaluation: the split, scaling, class weights,
shuffling, epochs, the metric watched, initialisation and precision."""

from __future__ import annotations

import ast

from assistant.core.reading import code_vocabulary as vocab
from assistant.core.reading.code_calls import (
    Code,
    Found,
    Site,
    argument_value,
    constant_value,
    dotted,
    keyword_value,
    number_value,
    short_name,
    source_of,
    string_constants,
    walk,
)
from assistant.core.reading.code_model import Loss
from assistant.core.reading.numbers import epochs_level


def read_data(code: Code, found: Found, loss: Loss | None) -> None:
    _read_split(code, found)
    _read_scaling(code, found)
    for call in code.calls:
        weighted = (
            keyword_value(call.node, "class_weight", "pos_weight") is not None
            and constant_value(keyword_value(call.node, "class_weight", "pos_weight")) is None
        )
        if call.short in ("CrossEntropyLoss", "NLLLoss", "BCELoss") and keyword_value(
            call.node, "weight"
        ):
            weighted = True
        if (
            weighted
            or call.short == "WeightedRandomSampler"
            or constant_value(keyword_value(call.node, "class_weight")) == "balanced"
        ):
            found.set("class_balance", "imbalanced", call.site)
        shuffle = constant_value(keyword_value(call.node, "shuffle"))
        if shuffle is False and (
            call.short == "fit"
            or (
                call.short == "DataLoader" and "train" in source_of(call.node.args[0])
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
        for node in walk(assignment.value):
            if (
                isinstance(node, ast.BinOp | ast.AugAssign)
                and isinstance(node.op, ast.Div)
                and number_value(getattr(node, "right", None)) == 255
            ):
                found.set("inputs_normalised", "yes", assignment.site)
                return


def _read_split(code: Code, found: Found) -> None:
    splits = [c for c in code.calls if c.short in vocab.SPLITS]
    for call in splits:
        value = vocab.SPLITS[call.short]
        if constant_value(keyword_value(call.node, "shuffle")) is False:
            value = "ordered"
        found.set("split_method", value, call.site)
        break
    for call in code.calls:
        if (
            call.short in ("fit", "fit_generator")
            and keyword_value(call.node, "validation_split") is not None
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
        if "train" not in " ".join(source_of(a) for a in call.node.args).lower():
            found.set("split_method", "after_preprocessing", call.site, override=True)
            return


def _read_epochs(code: Code, found: Found) -> None:
    for call in code.calls:
        if call.short in ("fit", "fit_generator"):
            epochs = number_value(keyword_value(call.node, "epochs", "nb_epoch"))
            if epochs is not None and epochs > 0:
                found.set("epochs", epochs_level(epochs), call.site)
                return
    for statement in code.statements:
        count = _epoch_loop_count(statement.node)
        if count is not None:
            site = Site(statement.line, statement.quote, statement)
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
            count = number_value(assignment.value)
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
    count = number_value(node.iter.args[0] if len(node.iter.args) == 1 else node.iter.args[1])
    return count if count is not None and count > 0 else None


def _read_metrics(code: Code, found: Found, loss: Loss | None) -> None:
    for call in code.calls:
        metrics = keyword_value(call.node, "metrics") if call.short == "compile" else None
        names = (
            string_constants(metrics)
            + [short_name(dotted(n.func)) for n in walk(metrics) if isinstance(n, ast.Call)]
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


def read_details(code: Code, found: Found) -> None:
    for call in code.calls:
        constant = call.short in ("zeros_", "constant_", "ones_") and "init" in call.name
        if constant or (call.short in ("fill_", "zero_") and "weight" in call.name):
            found.set("init_scheme", "custom_constant", call.site)
        elif call.short == "normal_" and "init" in call.name:
            std = number_value(argument_value(call.node, 2, "std"))
            if std is not None and std >= 1:
                found.set("init_scheme", "custom_large", call.site)
        if call.short in ("autocast", "GradScaler", "half") or (
            call.short == "set_global_policy" and "mixed" in " ".join(string_constants(call.node))
        ):
            found.set("mixed_precision", "yes", call.site)
    for statement in code.statements:
        if isinstance(statement.node, ast.FunctionDef) and "loss" in statement.node.name.lower():
            body_calls = {
                short_name(dotted(n.func)) for n in walk(statement.node) if isinstance(n, ast.Call)
            }
            if body_calls & {"log", "exp", "log1p"} and not body_calls & set(vocab.LOSSES):
                found.set("custom_loss", "yes", Site(statement.line, statement.quote, statement))
