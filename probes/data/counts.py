"""How much data there is: rows in all, and rows per class."""

from __future__ import annotations

from probes.data.outcome import Check, number
from probes.data.table import Table

#: Most common over least common class at or above this: "imbalanced".
IMBALANCED = 3.0
#: ... and at or above this: "severe", as SageMaker Debugger's ClassImbalance rule.
SEVERE = 10.0
#: Upper bounds of the size buckets, in training rows.
TINY, SMALL, MEDIUM = 500, 10_000, 100_000


def class_balance(table: Table) -> Check | None:
    """Ratio of the most to the least common class; nothing for regression."""
    if table.task == "regression":
        return None
    counts = table.label.value_counts()
    ratio = float(counts.iloc[0] / counts.iloc[-1])
    value = "severe" if ratio >= SEVERE else "imbalanced" if ratio >= IMBALANCED else "balanced"
    return Check(
        fact="class_balance",
        value=value,
        severity="ok" if value == "balanced" else "warn",
        note=f"class {counts.index[0]} is {number(ratio)} times as common as class "
        f"{counts.index[-1]} ({counts.iloc[0]} against {counts.iloc[-1]} rows)",
        values={"class_ratio": round(ratio, 3), "classes": len(counts)},
    )


def dataset_size(table: Table) -> Check:
    """The size bucket of the training rows; a tiny table is worth a word."""
    rows = table.rows
    value = "large"
    for bucket, bound in (("tiny", TINY), ("small", SMALL), ("medium", MEDIUM)):
        if rows < bound:
            value = bucket
            break
    return Check(
        fact="dataset_size",
        value=value,
        severity="warn" if value == "tiny" else "ok",
        note=f"only {rows} training rows",
        values={"rows": rows, "columns": len(table.features.columns)},
    )
