"""Cell and row quality: missing or infinite values, constant columns, duplicate rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from probes.data.categoricals import one_hot_members
from probes.data.outcome import Check, Severity, percent
from probes.data.profile import Profile
from probes.data.table import Table, is_text, label_codes, name_list

#: A share of missing or infinite cells at or above this is "many".
MANY_MISSING = 0.05
#: A column with at least this share missing counts as empty.
NEAR_EMPTY = 0.95
#: A share of exact duplicate rows at or above this is "many".
MANY_DUPLICATES = 0.05
#: Noise columns are judged only in tables at least this wide: in a narrow one a few unrelated
#: columns are common and do little harm.
NOISE_MIN_COLUMNS = 20
#: A column is noise when n * (its squared rank correlation with the label, or with any one
#: class) stays below this: chi-squared with one degree of freedom at p = 0.001.
NOISE_CHI2 = 10.83
#: How many columns a note names.
NAMED = 5


def missing_values(table: Table, profile: Profile) -> Check:
    """NaN and infinite cells per column; infinities fail, since they turn the loss into NaN."""
    bad = profile.missing + profile.infinite
    share = float(bad.sum()) / profile.numbers.size
    value = "none" if share == 0 else "some" if share < MANY_MISSING else "many"
    infinite = int(profile.infinite.sum())
    severity: Severity = (
        "fail" if value == "many" or infinite else "warn" if value == "some" else "ok"
    )
    worst = [int(i) for i in np.argsort(-bad, kind="stable") if bad[i] > 0]
    details = [_missing_detail(profile, i) for i in worst[:NAMED]]
    notes = []
    if worst:
        notes.append(
            f"missing or infinite values in {len(worst)} of {len(profile.names)} columns "
            f"({percent(share)} of cells): {', '.join(details)}"
        )
    if table.unlabelled_rows:
        notes.append(f"{table.unlabelled_rows} rows have no label and were left out")
        severity = "warn" if severity == "ok" else severity
    return Check(
        fact="missing_values",
        value=value,
        severity=severity,
        note="; ".join(notes),
        values={
            "missing_cells": int(profile.missing.sum()),
            "infinite_cells": infinite,
            "missing_share": round(share, 6),
            "unlabelled_rows": table.unlabelled_rows,
        },
    )


def constant_columns(table: Table, profile: Profile) -> Check:
    """Columns with one value only, almost nothing but missing values, or (wide tables) noise."""
    empty = profile.missing / profile.rows >= NEAR_EMPTY
    useless = [i for i in range(len(profile.names)) if profile.constant[i] or empty[i]]
    noise = noise_columns(table, profile, set(useless))
    share = (len(useless) + len(noise)) / len(profile.names)
    many = share >= 0.5 or (len(useless) >= 2 and len(useless) / len(profile.names) >= 0.2)
    names = [profile.names[i] for i in useless]
    notes = [
        f"{len(useless)} of {len(profile.names)} columns {_are(len(useless))} constant or "
        f"empty: {name_list(names)}"
    ]
    if noise:
        notes.append(
            f"{len(noise)} of {len(profile.names)} columns show no relation to the label: "
            f"{name_list([profile.names[i] for i in noise])}"
        )
    return Check(
        fact="constant_columns",
        value="many" if many else "few",
        severity="warn" if useless or noise else "ok",
        note="; ".join(notes[1:] if noise and not useless else notes),
        values={"constant_or_empty_columns": len(useless), "noise_columns": len(noise)},
    )


def noise_columns(table: Table, profile: Profile, skip: set[int]) -> list[int]:
    """Numeric columns whose ranks do not follow the label (or any class) beyond chance.

    The columns of a one-hot group are one feature: one level alone rarely says much, so they
    count as noise only when no level of the group follows the label.
    """
    if len(profile.names) < NOISE_MIN_COLUMNS:
        return []
    found = _unrelated_columns(table, profile, skip)
    for columns in one_hot_members(profile).values():
        if not set(columns) <= set(found):
            found = [column for column in found if column not in columns]
    return found


def _unrelated_columns(table: Table, profile: Profile, skip: set[int]) -> list[int]:
    labels = label_codes(table)[profile.sample]
    targets = _ranked_targets(labels, table.task)
    found = []
    for column in range(len(profile.names)):
        if column in skip or profile.text[column]:
            continue
        values = profile.numbers[profile.sample, column]
        present = ~np.isnan(values)
        ranks = _standardised(pd.Series(values[present]).rank().to_numpy())
        if ranks is None:
            continue
        correlations = ranks @ targets[present] / present.sum()
        if present.sum() * float((correlations**2).max()) < NOISE_CHI2:
            found.append(column)
    return found


def _ranked_targets(labels: np.ndarray, task: str) -> np.ndarray:
    if task == "regression":
        columns = [pd.Series(labels).rank().to_numpy()]
    else:
        columns = [(labels == code).astype(np.float64) for code in np.unique(labels)]
    standardised = [_standardised(column) for column in columns]
    return np.column_stack([c if c is not None else np.zeros(len(labels)) for c in standardised])


def _standardised(values: np.ndarray) -> np.ndarray | None:
    spread = values.std()
    return None if spread == 0 else (values - values.mean()) / spread


def duplicate_rows(table: Table, profile: Profile, hashes: np.ndarray) -> Check:
    """Exact repeats of whole rows (features and label), unless the columns allow few rows."""
    with_label = pd.util.hash_pandas_object(
        pd.DataFrame({"row": hashes, "label": table.label.to_numpy()}), index=False
    )
    duplicated = int(with_label.duplicated().sum())
    share = duplicated / profile.rows
    many = share >= MANY_DUPLICATES and not profile.repeats_expected
    conflicting = _conflicting_rows(hashes, table.label)
    return Check(
        fact="duplicate_rows",
        value="many" if many else "few",
        severity="warn" if many else "ok",
        note=f"{duplicated} rows ({percent(share)}) repeat an earlier row exactly",
        values={
            "duplicate_rows": duplicated,
            "duplicate_share": round(share, 6),
            "conflicting_label_rows": conflicting,
        },
    )


def row_hashes(features: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row; numbers hash by value, so 1 and 1.0 match across tables."""
    comparable = pd.DataFrame(
        {str(name): _comparable(features[name]) for name in features.columns},
        index=pd.RangeIndex(len(features)),
    )
    return pd.util.hash_pandas_object(comparable, index=False).to_numpy()


def _comparable(column: pd.Series) -> pd.Series | np.ndarray:
    if is_text(column):
        return column.astype("string")
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _conflicting_rows(hashes: np.ndarray, labels: pd.Series) -> int:
    """Rows whose inputs repeat elsewhere with a different label."""
    frame = pd.DataFrame({"row": hashes, "label": labels.to_numpy()})
    distinct = frame.groupby("row")["label"].transform("nunique")
    return int((distinct > 1).sum())


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _missing_detail(profile: Profile, column: int) -> str:
    parts = []
    if profile.missing[column]:
        parts.append(f"{int(profile.missing[column])} missing")
    if profile.infinite[column]:
        parts.append(f"{int(profile.infinite[column])} infinite")
    return f"{profile.names[column]} {' and '.join(parts)}"
