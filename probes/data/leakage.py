"""Target leakage: a single column that gives the label away.

Each column alone goes through a small decision tree, scored on out-of-fold predictions
(balanced accuracy for classes, R^2 for numbers); for regression a rank correlation catches
monotone copies of the target too.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from probes.data.outcome import Check, number
from probes.data.profile import Profile
from probes.data.table import Table, label_codes, sample_rows

#: A column scoring at or above this alone is taken for a leak.
LEAK_SCORE = 0.98
#: Rows used for the one-column models.
LEAK_ROWS = 4_000
FOLDS = 3


def leaky_feature(table: Table, profile: Profile) -> Check:
    """The best single-column score, and the columns at or above ``LEAK_SCORE``."""
    rows = sample_rows(profile.rows, LEAK_ROWS, seed=1)
    target = label_codes(table)[rows]
    scores = {
        name: _column_score(profile.numbers[rows, column], target, table.task, table.classes)
        for column, name in enumerate(profile.names)
        if not profile.constant[column]
    }
    leaks = sorted((name for name in scores if scores[name] >= LEAK_SCORE), key=scores.__getitem__)
    leaks.reverse()
    best = max(scores.values(), default=0.0)
    metric = "R^2 or rank correlation" if table.task == "regression" else "balanced accuracy"
    shown = ", ".join(f"{name} ({metric} {number(scores[name])})" for name in leaks[:3])
    return Check(
        fact="leaky_feature",
        value="yes" if leaks else "no",
        severity="fail" if leaks else "ok",
        note=f"a single column predicts the label almost perfectly: {shown}",
        values={"best_single_column_score": round(best, 4)},
    )


def _column_score(values: np.ndarray, target: np.ndarray, task: str, classes: int) -> float:
    column = values.reshape(-1, 1)
    if task == "regression":
        return max(_tree_score(column, target, None), _rank_correlation(values, target))
    return _tree_score(column, target, classes)


def _tree_score(column: np.ndarray, target: np.ndarray, classes: int | None) -> float:
    depth = 6 if classes is None else max(4, int(np.ceil(np.log2(classes))) + 1)
    predicted = np.zeros(len(target), dtype=np.float64)
    for train, test in KFold(FOLDS, shuffle=True, random_state=0).split(column):
        tree = (
            DecisionTreeRegressor(max_depth=depth, random_state=0)
            if classes is None
            else DecisionTreeClassifier(max_depth=depth, random_state=0)
        )
        tree.fit(column[train], target[train])
        predicted[test] = tree.predict(column[test])
    if classes is None:
        return float(r2_score(target, predicted))
    return float(balanced_accuracy_score(target, predicted.astype(np.int64)))


def _rank_correlation(values: np.ndarray, target: np.ndarray) -> float:
    present = ~np.isnan(values)
    if present.sum() < 3 or np.ptp(values[present]) == 0:
        return 0.0
    rho = spearmanr(values[present], target[present]).statistic
    return abs(float(rho)) if np.isfinite(rho) else 0.0
