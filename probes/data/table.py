"""A training table checked once and split into features and label, for every data probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from probes.data.errors import DataError

Task = Literal["regression", "binary", "multiclass"]

#: Integer labels with at most this many distinct values are taken as classes.
MAX_CLASSES = 50
#: How many column names a message lists before it abbreviates.
LISTED_COLUMNS = 20


class TableSource(Protocol):
    """What the data probes need from a target (``probes.target.Target`` fits)."""

    @property
    def label(self) -> str | None: ...

    @property
    def task(self) -> str | None: ...

    def train_frame(self) -> pd.DataFrame: ...

    def valid_frame(self) -> pd.DataFrame | None: ...


@dataclass(frozen=True)
class Table:
    """Training (and validation) data as features and label; rows without a label left out."""

    features: pd.DataFrame
    label: pd.Series
    label_name: str
    task: Task
    valid_features: pd.DataFrame | None = None
    valid_label: pd.Series | None = None
    unlabelled_rows: int = 0

    @property
    def rows(self) -> int:
        return len(self.features)

    @property
    def classes(self) -> int:
        return 0 if self.task == "regression" else int(self.label.nunique())


def table_from_source(source: TableSource) -> Table:
    """The target's frames as a checked table; the label column is ``source.label`` or ``label``."""
    return prepare_table(
        source.train_frame(),
        source.label or "label",
        task=source.task,
        valid=source.valid_frame(),
    )


def prepare_table(
    train: pd.DataFrame,
    label: str,
    task: str | None = None,
    valid: pd.DataFrame | None = None,
) -> Table:
    """Check a training frame and split it; raises ``DataError`` for a table no probe can use."""
    _check_not_empty(train, "training")
    _check_label_present(train, label, "training")
    labelled = train[train[label].notna()].reset_index(drop=True)
    _check_labels(train[label], label)
    features = labelled.drop(columns=[label])
    _check_features(features, label)
    chosen = _choose_task(labelled[label], label, task)
    valid_features, valid_label = _split_valid(valid, label, list(features.columns))
    return Table(
        features=features,
        label=labelled[label],
        label_name=label,
        task=chosen,
        valid_features=valid_features,
        valid_label=valid_label,
        unlabelled_rows=len(train) - len(labelled),
    )


def infer_task(label: pd.Series) -> Task:
    """Two distinct labels: binary; text or a few integer codes: multiclass; else regression."""
    distinct = label.nunique()
    if distinct == 2:
        return "binary"
    if not _is_number(label) or (_is_integral(label) and distinct <= MAX_CLASSES):
        return "multiclass"
    return "regression"


def label_codes(table: Table) -> np.ndarray:
    """Class labels as 0..C-1 in sorted order, or the regression target as floats."""
    if table.task == "regression":
        return table.label.to_numpy(dtype=np.float64)
    codes, _ = pd.factorize(table.label, sort=True)
    return codes


def as_numbers(features: pd.DataFrame) -> np.ndarray:
    """Every column as float64: text and categories as integer codes, missing as NaN, inf kept."""
    columns = [_column_numbers(features[name]) for name in features.columns]
    if not columns:
        return np.empty((len(features), 0))
    return np.column_stack(columns)


def is_text(column: pd.Series) -> bool:
    """Strings, objects or pandas categories: values a network cannot take as they are."""
    return not (_is_number(column) or pd.api.types.is_datetime64_any_dtype(column))


def sample_rows(rows: int, limit: int, seed: int = 0) -> np.ndarray:
    """Sorted row positions of a seeded sample of at most ``limit`` rows."""
    if rows <= limit:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))


def name_list(names: list[str]) -> str:
    """Column names for a message, abbreviated past ``LISTED_COLUMNS``."""
    shown = ", ".join(names[:LISTED_COLUMNS])
    hidden = len(names) - LISTED_COLUMNS
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _column_numbers(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column):
        return column.astype("float64").to_numpy()
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        return np.where(column.isna().to_numpy(), np.nan, stamps)
    if _is_number(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    codes, _ = pd.factorize(column, sort=False)
    return np.where(codes < 0, np.nan, codes.astype(np.float64))


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _is_integral(column: pd.Series) -> bool:
    values = column.dropna().to_numpy(dtype=np.float64)
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _check_not_empty(frame: pd.DataFrame, which: str) -> None:
    if len(frame) == 0 or len(frame.columns) == 0:
        columns = name_list([str(c) for c in frame.columns]) or "none"
        raise DataError(
            f"the {which} table is empty: it has {len(frame)} rows and {len(frame.columns)} "
            f"columns ({columns}). Check the file path and how the table was read."
        )


def _check_label_present(frame: pd.DataFrame, label: str, which: str) -> None:
    if label not in frame.columns:
        columns = name_list([str(c) for c in frame.columns])
        raise DataError(
            f"the label column '{label}' is not in the {which} table; its columns are: "
            f"{columns}. Name the column that holds the labels."
        )


def _check_labels(labels: pd.Series, label: str) -> None:
    present = labels.dropna()
    if present.empty:
        raise DataError(
            f"the label column '{label}' holds no values: all {len(labels)} rows are missing. "
            "Check how the labels were read or joined to the inputs."
        )
    if present.nunique() == 1:
        raise DataError(
            f"the label column '{label}' holds a single value ({_shown(present.iloc[0])}) in all "
            f"{len(present)} labelled rows; a model needs at least two different labels to "
            "learn from. Check how the labels were built or filtered."
        )


def _check_features(features: pd.DataFrame, label: str) -> None:
    if len(features.columns) == 0:
        raise DataError(
            f"the training table has no feature columns besides the label '{label}'. "
            "Add the input columns to the table."
        )
    if bool(features.isna().all(axis=None)):
        raise DataError(
            f"every feature value is missing: all {len(features.columns)} feature columns are "
            f"empty (NaN) in all {len(features)} rows. Check how the file was read: the "
            "separator, the header row and the decimal mark."
        )
    if all(is_text(features[name]) for name in features.columns):
        kinds = [f"{name} ({features[name].dtype})" for name in features.columns]
        raise DataError(
            f"the training table has no numeric feature column: {name_list(kinds)}. The data "
            "probes work on numbers: encode text and categorical columns (one-hot or integer "
            "codes) and run again."
        )


def _choose_task(labels: pd.Series, label: str, task: str | None) -> Task:
    if task == "regression" and not _is_number(labels):
        raise DataError(
            f"the task is regression but the label column '{label}' holds text "
            f"(for example {_shown(labels.iloc[0])}). Give numeric targets, or set the task to "
            "binary or multiclass."
        )
    if task in ("regression", "binary", "multiclass"):
        return task  # type: ignore[return-value]
    return infer_task(labels)


def _split_valid(
    valid: pd.DataFrame | None, label: str, columns: list[str]
) -> tuple[pd.DataFrame | None, pd.Series | None]:
    if valid is None:
        return None, None
    _check_not_empty(valid, "validation")
    _check_label_present(valid, label, "validation")
    missing = [str(c) for c in columns if c not in valid.columns]
    if missing:
        raise DataError(
            f"the validation table lacks columns the training table has: {name_list(missing)}. "
            "Both tables need the same feature columns."
        )
    labelled = valid[valid[label].notna()].reset_index(drop=True)
    return labelled[columns], labelled[label]
