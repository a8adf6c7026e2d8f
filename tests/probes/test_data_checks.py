"""data_checks: each check flags its fault, and a healthy table raises no alarm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from knowledge.loader import load
from probes.progress import Progress
from probes.registry import PROBES
from probes.result import ProbeResult
from probes.target import Target

ROWS = 1_000
QUIET = {
    "dataset_size": "small",
    "missing_values": "none",
    "constant_columns": "few",
    "class_balance": "balanced",
    "duplicate_rows": "few",
    "feature_scales": "similar",
    "inputs_normalised": "yes",
    "outliers": "few",
    "categoricals": "none",
    "leaky_feature": "no",
}


def healthy(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Six standardised columns; the label depends on two of them, with some noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 6))
    signal = features[:, 0] + 0.5 * features[:, 1] + 0.5 * rng.normal(size=rows)
    frame = pd.DataFrame(features, columns=[f"x{i}" for i in range(6)])
    frame["y"] = (signal > 0).astype(int)
    return frame


def check(frame: pd.DataFrame, valid: pd.DataFrame | None = None) -> ProbeResult:
    target = Target.from_frame(frame, "y", valid=valid)
    return PROBES["data_checks"](target, lambda progress: None)


def test_a_healthy_table_raises_no_alarm() -> None:
    result = check(healthy(), valid=healthy(300, seed=1))

    assert result.facts == {**QUIET, "split_overlap": "no", "valid_distribution": "same"}
    assert result.status == "pass"
    assert result.finding == "No data problems found in 1000 rows and 6 columns."


def test_progress_runs_from_start_to_done() -> None:
    seen: list[Progress] = []

    PROBES["data_checks"](Target.from_frame(healthy(), "y"), seen.append)

    fractions = [event.fraction for event in seen]
    assert {event.probe for event in seen} == {"data_checks"}
    assert fractions == sorted(fractions)
    assert (fractions[0], fractions[-1], seen[-1].message) == (0.0, 1.0, "done")


def test_missing_values_are_counted_per_column() -> None:
    frame = healthy()
    frame.loc[:99, "x2"] = np.nan

    result = check(frame)

    assert result.facts["missing_values"] == "some"
    assert result.status == "warn"
    assert (
        result.finding
        == "Missing or infinite values in 1 of 6 columns (1.7% of cells): x2 100 missing."
    )


def test_infinite_values_fail_because_they_turn_the_loss_into_nan() -> None:
    frame = healthy()
    frame.loc[[3, 7], "x4"] = np.inf

    result = check(frame)

    assert (result.facts["missing_values"], result.status) == ("some", "fail")
    assert result.values["infinite_cells"] == 2
    assert "x4 2 infinite" in result.finding


def test_many_missing_values() -> None:
    frame = healthy()
    frame.loc[:599, ["x2", "x3"]] = np.nan

    assert check(frame).facts["missing_values"] == "many"


def test_constant_and_empty_columns_are_named() -> None:
    frame = healthy()
    frame["always_one"] = 1.0
    frame["mostly_empty"] = np.where(np.arange(ROWS) < 10, 1.0, np.nan)

    result = check(frame)

    assert result.facts["constant_columns"] == "many"
    assert "2 of 8 columns are constant or empty: always_one, mostly_empty" in result.finding


def test_repeated_rows_are_duplicates() -> None:
    frame = healthy()
    frame = pd.concat([frame, frame.iloc[:100]], ignore_index=True)

    result = check(frame)

    assert result.facts["duplicate_rows"] == "many"
    assert "100 rows (9.1%) repeat an earlier row exactly" in result.finding


def test_repeats_are_expected_when_columns_take_few_values() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 2, size=(ROWS, 4)), columns=["a", "b", "c", "d"])
    frame["y"] = frame["a"] ^ frame["b"]

    assert check(frame).facts["duplicate_rows"] == "few"


def test_validation_rows_found_in_training_are_an_overlap() -> None:
    frame = healthy()

    result = check(frame, valid=frame.iloc[:200].copy())

    assert (result.facts["split_overlap"], result.status) == ("yes", "fail")
    assert "200 of 200 validation rows (100.0%) also appear in training" in result.finding


def test_overlap_matches_integers_with_the_same_floats() -> None:
    frame = healthy()
    frame["count"] = np.arange(ROWS)
    valid = frame.iloc[:50].copy()
    valid["count"] = valid["count"].astype("float64")

    assert check(frame, valid=valid).facts["split_overlap"] == "yes"


def test_columns_on_very_different_scales_are_not_normalised() -> None:
    frame = healthy()
    frame["x3"] = frame["x3"] * 20_000 + 50_000

    result = check(frame)

    assert result.facts["feature_scales"] == "very_different"
    assert result.facts["inputs_normalised"] == "no"
    assert "1 column not normalised: x3 (" in result.finding


def test_pixels_in_0_255_are_not_normalised_though_their_scales_match() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 256, size=(ROWS, 4)), columns=["p0", "p1", "p2", "p3"])
    frame["y"] = (frame["p0"] > 128).astype(int)

    result = check(frame)

    assert (result.facts["feature_scales"], result.facts["inputs_normalised"]) == (
        "similar",
        "no",
    )


@pytest.mark.parametrize(
    ("positives", "balance"),
    [
        pytest.param(500, "balanced", id="half"),
        pytest.param(200, "imbalanced", id="one-in-five"),
        pytest.param(50, "severe", id="one-in-twenty"),
    ],
)
def test_class_balance_follows_the_ratio(positives: int, balance: str) -> None:
    frame = healthy()
    frame["y"] = (np.arange(ROWS) < positives).astype(int)

    assert check(frame).facts["class_balance"] == balance


def test_class_balance_names_the_classes() -> None:
    frame = healthy()
    frame["y"] = np.where(np.arange(ROWS) < 50, "fraud", "ok")

    assert check(frame).finding == (
        "Class ok is 19 times as common as class fraud (950 against 50 rows)."
    )


def test_text_columns_are_unencoded_categoricals() -> None:
    frame = healthy()
    frame["city"] = np.where(frame["x5"] > 0, "Paris", "Lyon")

    result = check(frame)

    assert result.facts["categoricals"] == "raw_codes"
    assert result.finding == "Categorical columns go in unencoded: city (text)."


def test_integer_codes_that_act_out_of_order_are_categoricals() -> None:
    rng = np.random.default_rng(0)
    frame = healthy()
    frame["region"] = rng.integers(0, 6, size=ROWS)
    frame["y"] = np.where(frame["region"].isin([1, 4]), 1, frame["y"])

    assert check(frame).finding == "Categorical columns go in unencoded: region (codes)."


def test_counts_that_act_in_order_are_not_categoricals() -> None:
    rng = np.random.default_rng(0)
    frame = healthy()
    rooms = rng.integers(1, 8, size=ROWS)
    frame["rooms"] = (rooms - 4) / 2
    frame["y"] = (frame["x0"] + rooms / 2 + rng.normal(size=ROWS) > 2).astype(int)

    assert check(frame).facts["categoricals"] == "none"


def test_one_hot_groups_are_encoded_categoricals() -> None:
    frame = healthy()
    colour = np.arange(ROWS) % 3
    for code, name in enumerate(["red", "green", "blue"]):
        frame[f"colour_{name}"] = (colour == code).astype(float)

    assert check(frame).facts["categoricals"] == "encoded"


def test_heavy_tails_are_many_outliers() -> None:
    frame = healthy()
    frame.loc[:29, "x2"] = 40.0

    result = check(frame)

    assert result.facts["outliers"] == "many"
    # Scales are judged on the bulk of the values, so the column is still normalised.
    assert result.facts["inputs_normalised"] == "yes"
    assert result.finding == (
        "Extreme values (beyond 3 IQR of the quartiles, or stand-ins such as -1 or 9999 at the "
        "edge of the range) in 1 column: x2 (3.0%)."
    )


@pytest.mark.parametrize(
    ("stand_in", "column"), [(-1.0, "count"), (-9999.0, "x2"), (9999.0, "x2")], ids=str
)
def test_stand_ins_for_missing_are_many_outliers(stand_in: float, column: str) -> None:
    frame = healthy()
    frame["count"] = np.random.default_rng(5).poisson(4, size=ROWS).astype(float)
    frame.loc[:29, column] = stand_in

    result = check(frame)

    assert result.facts["outliers"] == "many"
    assert f"{column} (3.0%)" in result.finding


def test_a_column_that_runs_through_minus_one_has_no_stand_in() -> None:
    frame = healthy()
    frame["count"] = np.random.default_rng(5).integers(-3, 5, size=ROWS).astype(float)

    assert check(frame).facts["outliers"] == "few"


def test_a_regression_target_off_by_orders_of_magnitude_is_named() -> None:
    rng = np.random.default_rng(0)
    frame = healthy()
    frame["y"] = 20 + frame["x0"] + 0.3 * rng.normal(size=ROWS)
    frame.loc[:29, "y"] *= 1000.0

    result = check(frame)

    assert result.facts["outliers"] == "many"
    assert "y (target) (3.0%)" in result.finding


def test_a_copy_of_the_label_is_a_leak() -> None:
    frame = healthy()
    frame["approved_flag"] = frame["y"] * 2.0 + np.random.default_rng(0).normal(0, 0.01, ROWS)

    result = check(frame)

    assert (result.facts["leaky_feature"], result.status) == ("yes", "fail")
    assert result.finding == (
        "A single column predicts the label almost perfectly: approved_flag (balanced accuracy 1)."
    )


def test_a_monotone_transform_of_a_numeric_target_is_a_leak() -> None:
    frame = healthy()
    frame["y"] = frame["x0"] * 3 + np.random.default_rng(1).normal(size=ROWS)
    frame["price_log"] = np.log1p(np.exp(frame["y"]))

    result = check(frame)

    assert "class_balance" not in result.facts
    assert result.facts["leaky_feature"] == "yes"


def test_a_shifted_validation_table_is_a_different_distribution() -> None:
    valid = healthy(300, seed=1)
    valid["x1"] = valid["x1"] + 1.0

    result = check(healthy(), valid=valid)

    assert result.facts["valid_distribution"] == "different"
    assert result.finding == (
        "Validation data is distributed differently from training in 1 column: x1 (distance 0.378)."
    )


def test_a_few_hundred_rows_are_tiny() -> None:
    result = check(healthy(200))

    assert result.facts["dataset_size"] == "tiny"
    assert result.finding == "Only 200 training rows."


def test_every_fact_and_value_is_in_the_knowledge_base() -> None:
    frame = healthy()
    frame.loc[:300, "x2"] = np.nan
    frame["x3"] = frame["x3"] * 1e5
    frame["y"] = (np.arange(ROWS) < 60).astype(int)
    valid = frame.iloc[:200].copy()
    valid["x1"] += 2

    facts = check(frame, valid=valid).facts

    knowledge = load()
    assert set(facts) == set(knowledge.probes["data_checks"].yields)
    assert {fact: value in knowledge.facts[fact].values for fact, value in facts.items()} == {
        fact: True for fact in facts
    }


def wide(noise_columns: int, rows: int = 300) -> pd.DataFrame:
    """Three useful columns next to ``noise_columns`` columns of pure noise."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        rng.normal(size=(rows, 3 + noise_columns)),
        columns=["a", "b", "c", *(f"noise_{i}" for i in range(noise_columns))],
    )
    frame["y"] = (frame["a"] + frame["b"] - frame["c"] > 0).astype(int)
    return frame


def test_a_wide_table_of_mostly_noise_columns_has_many_useless_columns() -> None:
    result = check(wide(noise_columns=40))

    assert result.facts["constant_columns"] == "many"
    assert result.values["noise_columns"] >= 35
    assert "of 43 columns show no relation to the label: noise_" in result.finding


def test_a_wide_table_of_useful_columns_has_few_useless_columns() -> None:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(500, 24))
    frame = pd.DataFrame(features, columns=[f"x{i}" for i in range(24)])
    frame["y"] = (features.sum(axis=1) > 0).astype(int)

    result = check(frame)

    # Each of 24 equal columns explains little on its own, so some look like noise; not most.
    assert result.facts["constant_columns"] == "few"


def test_a_narrow_table_is_not_judged_for_noise_columns() -> None:
    assert check(healthy()).values["noise_columns"] == 0
