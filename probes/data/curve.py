"""The ``curve`` probe: read the training curves a user already has, and say how they move.

Three inputs are read: Lightning's ``metrics.csv`` (a header, then rows where each metric may be
blank), a Keras ``history`` JSON (a dict of lists; records such as Hugging Face's ``log_history``
work too), or numbers pasted as text ("2.30 2.29 2.31", or one per line), taken as the loss.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from probes.data.errors import DataError
from probes.data.outcome import sentence
from probes.data.trend import Gap, loss_trend, train_valid_gap
from probes.result import Measured, ProbeResult, ProbeStatus, Series

PROBE = "curve"
FORMATS = (
    "a Lightning metrics.csv (a header row, then numbers), a Keras history JSON (a dict of "
    "lists of numbers), or numbers separated by spaces, commas or new lines"
)
#: Columns that count steps rather than measure anything.
INDEX_COLUMNS = frozenset({"epoch", "step", "global_step", "iteration", "time", "wall_time"})
#: Validation metrics at or above this look too good to be true ...
TOO_GOOD = 0.995
#: ... and so do those at or above this already at the first evaluation.
TOO_GOOD_AT_ONCE = 0.98
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf|infinity)$", re.I)
_SEPARATORS = re.compile(r"[\s,;]+")
_TRAIN_LOSSES = ("train_loss_epoch", "train_loss", "loss", "training_loss", "train_loss_step")
_VALID_LOSSES = ("val_loss_epoch", "val_loss", "valid_loss", "validation_loss", "eval_loss")
_ACCURACY = re.compile(r"acc|f1|auc|precision|recall|iou|dice|map")


def read_curves(path_or_text: str | Path) -> dict[str, list[float]]:
    """Curves by name from a file path or pasted text; ``DataError`` names the formats read."""
    text, where = _text_of(path_or_text)
    stripped = text.strip()
    if not stripped:
        raise DataError(f"{where} is empty: no curves to read. Give {FORMATS}.")
    if stripped[0] in "[{":
        return _read_json(stripped, where)
    tokens = _SEPARATORS.split(stripped)
    if all(_NUMBER.match(token) for token in tokens):
        return {"loss": [float(token) for token in tokens]}
    return _read_csv(stripped, where)


def analyse(curves: dict[str, list[float]]) -> ProbeResult:
    """The ``curve`` probe's result: loss_trend, train_valid_gap and too_good where they apply."""
    train = _pick(curves, _TRAIN_LOSSES, lambda name: "loss" in name and not _is_valid(name))
    valid = _pick(curves, _VALID_LOSSES, lambda name: "loss" in name and _is_valid(name))
    facts: dict[str, str] = {}
    notes: list[str] = []
    values: dict[str, Measured] = {}
    worst: list[ProbeStatus] = ["pass"]
    main = train or valid
    if main is None:
        raise DataError(
            f"none of the curves is a loss: got {', '.join(curves) or 'no curves'}. Name the "
            "loss curve train_loss, loss or val_loss, or paste the loss values alone."
        )
    trend = loss_trend(curves[main])
    facts["loss_trend"] = trend.value
    notes.append(f"the {main} curve {trend.describe()}")
    values.update(trend.values(main))
    worst.append(trend.status)
    gap = _gap(curves, train, valid)
    if gap is not None:
        facts["train_valid_gap"] = gap.value
        values.update(gap.values)
        if gap.value != "none":
            notes.append(gap.note)
            worst.append(gap.status)
    judged = _too_good(curves)
    if judged is not None:
        facts["too_good"], note = judged
        if note:
            notes.append(note)
            worst.append("warn")
    return ProbeResult(
        id=PROBE,
        status=max(worst, key=("pass", "warn", "fail").index),
        facts=facts,
        values=values,
        finding=sentence(notes),
        series=[
            Series.finite(name, points, x_label="point", y_label=name)
            for name, points in curves.items()
        ],
    )


def _text_of(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or _looks_like_path(source):
        path = Path(source)
        if not path.is_file():
            raise DataError(
                f"no curve file at '{path}': the path does not exist. Give the path of a "
                f"metrics.csv or history JSON, or paste the loss values."
            )
        try:
            return path.read_text(encoding="utf-8"), f"'{path}'"
        except UnicodeDecodeError as error:
            raise DataError(
                f"'{path}' is not a text file ({error.reason} at byte {error.start}). "
                f"Give {FORMATS}."
            ) from error
    return source, "the pasted text"


def _looks_like_path(text: str) -> bool:
    one_line = "\n" not in text and len(text) < 4096
    return one_line and (
        text.strip().lower().endswith((".csv", ".json", ".txt", ".log")) or "/" in text
    )


def _read_json(text: str, where: str) -> dict[str, list[float]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(
            f"{where} looks like JSON but does not parse: {error.msg} at line {error.lineno}, "
            f"column {error.colno}. Give {FORMATS}."
        ) from error
    if isinstance(data, dict) and isinstance(data.get("history"), (dict, list)):
        data = data["history"]
    if isinstance(data, dict) and isinstance(data.get("log_history"), list):
        data = data["log_history"]
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return _from_records(data, where)
    if isinstance(data, dict) and data and all(_numbers(value) for value in data.values()):
        return _finished({str(name): [float(v) for v in value] for name, value in data.items()})
    raise DataError(
        f"{where} is JSON but not a history: expected a dict of lists of numbers such as "
        f'{{"loss": [2.3, 1.9], "val_loss": [2.4, 2.0]}}; got {_shape(data)}. Give {FORMATS}.'
    )


def _read_csv(text: str, where: str) -> dict[str, list[float]]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [name.strip() for name in rows[0]]
    if len(header) < 2 or any(_NUMBER.match(name) for name in header if name):
        raise DataError(
            f"could not read curves from {where}: the first line is "
            f"{_first_line(text)!r}. Give {FORMATS}."
        )
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(
                f"{where} line {number} has {len(row)} fields but the header has "
                f"{len(header)}. Give {FORMATS}."
            )
        records.append(dict(zip(header, (cell.strip() for cell in row), strict=True)))
    return _from_records(records, where)


def _from_records(records: Sequence[Mapping[str, object]], where: str) -> dict[str, list[float]]:
    """Sparse rows to curves: each column keeps its non-blank values, in row order."""
    curves: dict[str, list[float]] = {}
    for record in records:
        for name, value in record.items():
            if name in INDEX_COLUMNS or value in ("", None):
                continue
            number = _as_number(value)
            if number is None:
                continue
            curves.setdefault(str(name), []).append(number)
    if not curves:
        raise DataError(f"{where} holds no numbers besides epochs and steps. Give {FORMATS}.")
    return _finished(curves)


def _finished(curves: dict[str, list[float]]) -> dict[str, list[float]]:
    return {name: points for name, points in curves.items() if name not in INDEX_COLUMNS}


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    return None


def _numbers(value: object) -> bool:
    return isinstance(value, list) and all(_as_number(item) is not None for item in value)


def _shape(data: object) -> str:
    if isinstance(data, dict):
        keys = ", ".join(str(key) for key in list(data)[:5])
        return f"a dict with keys {keys or 'none'}"
    return f"a {type(data).__name__}"


def _first_line(text: str) -> str:
    line = text.splitlines()[0]
    return line if len(line) <= 60 else line[:57] + "..."


def _is_valid(name: str) -> bool:
    return name.startswith(("val", "valid", "eval", "test")) or "_val" in name


def _pick(
    curves: dict[str, list[float]], preferred: tuple[str, ...], fits: Callable[[str], bool]
) -> str | None:
    for name in preferred:
        if name in curves:
            return name
    matching = [name for name in curves if fits(name.lower())]
    return matching[0] if matching else None


def _gap(curves: dict[str, list[float]], train: str | None, valid: str | None) -> Gap | None:
    if train is not None and valid is not None:
        return train_valid_gap(curves[train], curves[valid], lower_is_better=True)
    metric_train = _metric(curves, valid=False)
    metric_valid = _metric(curves, valid=True)
    if metric_train is None or metric_valid is None:
        return None
    return train_valid_gap(curves[metric_train], curves[metric_valid], lower_is_better=False)


def _metric(curves: dict[str, list[float]], valid: bool) -> str | None:
    for name in curves:
        if _ACCURACY.search(name.lower()) and _is_valid(name.lower()) == valid:
            return name
    return None


def _too_good(curves: dict[str, list[float]]) -> tuple[str, str] | None:
    name = _metric(curves, valid=True)
    if name is None:
        return None
    points = [point for point in curves[name] if math.isfinite(point)]
    if not points or max(points) > 1:
        return None
    best = max(points)
    if best >= TOO_GOOD or points[0] >= TOO_GOOD_AT_ONCE:
        return "yes", (
            f"{name} reaches {best:.3f}, which is too good to be true for most real data: "
            "look for a leak between training and validation"
        )
    return "no", ""
