"""Training against validation: shared rows, and columns distributed differently."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from probes.data.near_duplicates import NEAR, NearCopies, near_copies
from probes.data.outcome import Check, number, percent, plural
from probes.data.profile import Profile
from probes.data.quality import row_hashes
from probes.data.table import Table, as_numbers, is_text, sample_rows

#: A share of validation rows found in training at or above this is an overlap.
OVERLAP = 0.01
#: A share of validation rows that are near-copies of training rows at or above this is one
#: too: higher than for exact repeats, since chance neighbours can be close in few columns.
NEAR_OVERLAP = 0.1
#: Kolmogorov-Smirnov distance (or total variation for text) of a clearly shifted column ...
SHIFTED = 0.2
#: ... and of a mildly shifted one; many mild shifts count as a different distribution.
MILD_SHIFT, MILD_SHARE = 0.1, 0.25
#: Significance of a shift, before dividing by the number of columns (Bonferroni).
ALPHA = 1e-3
#: Rows per table compared by the two-sample tests.
COMPARED_ROWS = 5_000


def split_overlap(table: Table, profile: Profile, train_hashes: np.ndarray) -> Check | None:
    """Validation rows whose inputs appear exactly in training."""
    if table.valid_features is None or len(table.valid_features) == 0:
        return None
    shared = np.isin(row_hashes(table.valid_features), train_hashes)
    count = int(shared.sum())
    share = count / len(shared)
    overlap = share >= OVERLAP and not profile.repeats_expected
    note = f"{count} of {len(shared)} validation rows ({percent(share)}) also appear in training"
    values: dict[str, float | int | str | bool | None] = {
        "overlapping_valid_rows": count,
        "overlap_share": round(share, 6),
    }
    near = None if overlap or profile.repeats_expected else _near(table, profile)
    if near is not None:
        values["near_copy_share"] = round(near.share, 6)
        if near.share >= NEAR_OVERLAP:
            overlap = True
            note = (
                f"{near.count} of {near.compared} validation rows ({percent(near.share)}) are "
                "near-copies of training rows: each lies closer to a training row than "
                f"{percent(NEAR)} of the usual distance between training rows"
            )
    return Check(
        fact="split_overlap",
        value="yes" if overlap else "no",
        severity="fail" if overlap else "ok",
        note=note,
        values=values,
    )


def _near(table: Table, profile: Profile) -> NearCopies | None:
    if table.valid_features is None:
        return None
    numeric = ~profile.text
    valid = as_numbers(table.valid_features)
    return near_copies(profile.numbers[:, numeric], valid[:, numeric])


def valid_distribution(table: Table, profile: Profile) -> Check | None:
    """Per-column two-sample tests between training and validation features."""
    if table.valid_features is None or len(table.valid_features) == 0:
        return None
    valid = table.valid_features.iloc[sample_rows(len(table.valid_features), COMPARED_ROWS)]
    train = table.features.iloc[profile.sample[sample_rows(len(profile.sample), COMPARED_ROWS)]]
    distances = {
        name: _distance(train[name], valid[name], len(profile.names))
        for name, constant in zip(table.features.columns, profile.constant, strict=True)
        if not constant
    }
    shifted = sorted(
        (n for n in distances if distances[n] >= MILD_SHIFT), key=distances.__getitem__
    )
    shifted.reverse()
    clear = [name for name in shifted if distances[name] >= SHIFTED]
    different = bool(clear) or len(shifted) >= MILD_SHARE * max(1, len(distances))
    shown = ", ".join(f"{name} (distance {number(distances[name])})" for name in shifted[:3])
    return Check(
        fact="valid_distribution",
        value="different" if different else "same",
        severity="warn" if different else "ok",
        note=f"validation data is distributed differently from training in "
        f"{plural(len(shifted), 'column')}: {shown}",
        values={"largest_shift": round(max(distances.values(), default=0.0), 4)},
    )


def _distance(train: pd.Series, valid: pd.Series, tests: int) -> float:
    """The shift of one column, or 0 where it is not significant."""
    if is_text(train):
        return _text_distance(train, valid)
    first = _finite(train)
    second = _finite(valid)
    if len(first) < 2 or len(second) < 2:
        return 0.0
    result = ks_2samp(first, second, method="asymp")
    return float(result.statistic) if result.pvalue < ALPHA / tests else 0.0


def _text_distance(train: pd.Series, valid: pd.Series) -> float:
    """Total variation distance between the category frequencies."""
    first = train.astype("string").value_counts(normalize=True, dropna=False)
    second = valid.astype("string").value_counts(normalize=True, dropna=False)
    both = pd.concat([first, second], axis=1).fillna(0.0)
    distance = 0.5 * float(np.abs(both.iloc[:, 0] - both.iloc[:, 1]).sum())
    return distance if len(valid) >= 50 else 0.0


def _finite(column: pd.Series) -> np.ndarray:
    values = as_numbers(column.to_frame()).ravel()
    return np.asarray(values[np.isfinite(values)])
