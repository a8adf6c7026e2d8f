"""Validation rows that are near-copies of training rows: the split leaks without exact repeats.

Resubmitted records, augmented copies, the same patient on two days: a validation row that is
training row plus rounding noise is not found by hashing, yet it lets a model that memorises
score well on validation and badly on new data. The test compares distances on standardised
numeric columns: each validation row's distance to its nearest training row, against the
distance from a training row to its nearest other training row. A near-copy sits far closer
to training than training rows sit to one another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from probes.data.table import sample_rows

#: A validation row is a near-copy when its nearest training row is closer than this share of
#: the median nearest-neighbour distance within training.
NEAR = 0.05
#: Rows compared on each side (nearest-neighbour search is quadratic at worst).
COMPARED_ROWS = 2_000
#: Fewer numeric columns than this and chance neighbours are too close to tell copies apart.
MIN_COLUMNS = 2


@dataclass(frozen=True)
class NearCopies:
    count: int
    compared: int
    within_train: float
    """Median distance from a training row to its nearest other training row."""

    @property
    def share(self) -> float:
        return self.count / self.compared if self.compared else 0.0


def near_copies(train: np.ndarray, valid: np.ndarray) -> NearCopies | None:
    """Validation rows that are near-copies of training rows; None when the test cannot apply.

    ``train`` and ``valid`` are float rows x columns with the same columns; rows with missing
    values and constant columns are left out.
    """
    usable = np.isfinite(train).all(axis=0) & (np.nanstd(train, axis=0) > 0)
    if int(usable.sum()) < MIN_COLUMNS:
        return None
    train = train[:, usable]
    valid = valid[:, usable]
    train = train[np.isfinite(train).all(axis=1)]
    valid = valid[np.isfinite(valid).all(axis=1)]
    if len(train) < 3 or len(valid) == 0:
        return None
    train = train[sample_rows(len(train), COMPARED_ROWS)]
    valid = valid[sample_rows(len(valid), COMPARED_ROWS, seed=1)]
    centre, scale = train.mean(axis=0), train.std(axis=0)
    train, valid = (train - centre) / scale, (valid - centre) / scale
    index = NearestNeighbors(n_neighbors=2).fit(train)
    # the first neighbour of a training row is itself (or an exact repeat): take the first
    # neighbour at a distance above zero
    within, _ = index.kneighbors(train)
    positive = np.where(within[:, 0] > 0, within[:, 0], within[:, 1])
    within_train = float(np.median(positive[positive > 0])) if (positive > 0).any() else 0.0
    if within_train == 0.0:
        return None
    across, _ = index.kneighbors(valid, n_neighbors=1)
    near = (across[:, 0] > 0) & (across[:, 0] < NEAR * within_train)
    return NearCopies(count=int(near.sum()), compared=len(valid), within_train=within_train)
