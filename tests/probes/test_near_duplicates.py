"""Near-copies of training rows in validation: a leak that exact hashing does not see."""

from __future__ import annotations

import numpy as np
import pandas as pd

from probes.api import run
from probes.data.near_duplicates import near_copies


def _rows(n: int, seed: int, columns: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, (n, columns))


def test_jittered_copies_of_training_rows_are_near_copies() -> None:
    train = _rows(300, seed=0)
    valid = train[:60] + np.random.default_rng(1).normal(0.0, 0.005, (60, 5))

    found = near_copies(train, valid)

    assert found is not None and (found.count, found.compared) == (60, 60)


def test_fresh_rows_from_the_same_distribution_are_not() -> None:
    found = near_copies(_rows(300, seed=0), _rows(100, seed=2))

    assert found is not None and found.share < 0.02


def test_one_numeric_column_is_too_few_to_tell_copies_from_chance() -> None:
    assert near_copies(_rows(100, seed=0, columns=1), _rows(20, seed=1, columns=1)) is None


def _frame(rows: np.ndarray, seed: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[f"x{i}" for i in range(rows.shape[1])])
    frame["y"] = np.random.default_rng(seed).integers(0, 2, len(rows))
    return frame


def test_data_checks_report_near_copies_as_split_overlap() -> None:
    train = _frame(_rows(300, seed=0), seed=3)
    valid = train.iloc[:50].copy()
    valid[[f"x{i}" for i in range(5)]] += np.random.default_rng(4).normal(0, 0.005, (50, 5))

    result = run("data_checks", {"train": train, "valid": valid, "label": "y"})

    assert result.facts["split_overlap"] == "yes"
    assert result.values["near_copy_share"] == 1.0
    assert (
        "50 of 50 validation rows (100.0%) are near-copies of training rows: each lies closer "
        "to a training row than 5.0% of the usual distance between training rows"
    ) in result.finding


def test_an_honest_split_has_no_overlap() -> None:
    train = _frame(_rows(300, seed=0), seed=3)
    valid = _frame(_rows(80, seed=5), seed=6)

    assert (
        run("data_checks", {"train": train, "valid": valid, "label": "y"}).facts["split_overlap"]
        == "no"
    )
