"""Per-column facts computed once over the training features and shared by every check."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from probes.data.table import Table, as_numbers, is_text, sample_rows

#: Statistics that a sample estimates well (quantiles, shares) use at most this many rows.
SAMPLE_ROWS = 100_000
#: Repeated rows are expected when the columns allow fewer distinct rows than this many per row.
EXPECTED_REPEATS = 10


@dataclass(frozen=True)
class Profile:
    """The features as numbers, with what is missing, infinite, text or constant per column."""

    names: list[str]
    numbers: np.ndarray
    """float64 rows x columns; text as codes; missing and infinite values as NaN."""
    missing: np.ndarray
    """NaN count per column (infinite values not included)."""
    infinite: np.ndarray
    text: np.ndarray
    constant: np.ndarray
    """True where a column holds at most one distinct value."""
    sample: np.ndarray
    """Row positions of a seeded sample of at most ``SAMPLE_ROWS`` rows."""

    @property
    def rows(self) -> int:
        return int(self.numbers.shape[0])

    @cached_property
    def repeats_expected(self) -> bool:
        """Whether the columns take so few values that identical rows happen by chance."""
        combinations = 1.0
        for column in range(len(self.names)):
            combinations *= max(1, len(np.unique(self.sampled(column))))
            if combinations >= EXPECTED_REPEATS * self.rows:
                return False
        return True

    def sampled(self, column: int) -> np.ndarray:
        """The finite sampled values of one column."""
        values = self.numbers[self.sample, column]
        return np.asarray(values[~np.isnan(values)])


def build_profile(table: Table) -> Profile:
    """Convert the features once; infinities are counted, then set to NaN."""
    numbers = as_numbers(table.features)
    infinite_cells = np.isinf(numbers)
    infinite = infinite_cells.sum(axis=0)
    missing = np.isnan(numbers).sum(axis=0)
    numbers[infinite_cells] = np.nan
    del infinite_cells
    lowest = np.fmin.reduce(numbers, axis=0)
    highest = np.fmax.reduce(numbers, axis=0)
    constant = ~(highest > lowest)
    return Profile(
        names=[str(name) for name in table.features.columns],
        numbers=numbers,
        missing=missing,
        infinite=infinite,
        text=np.array([is_text(table.features[name]) for name in table.features.columns]),
        constant=constant,
        sample=sample_rows(len(numbers), SAMPLE_ROWS),
    )
