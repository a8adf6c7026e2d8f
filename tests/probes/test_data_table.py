"""Preparing and reading tables: the task is inferred, and bad input gets an exact message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from probes.data import DataError, read_table
from probes.data.table import infer_task, prepare_table


def small_table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"a": rng.normal(size=rows), "b": rng.normal(size=rows), "y": np.arange(rows) % 2}
    )


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        pytest.param([0, 1, 1, 0], "binary", id="two-integers"),
        pytest.param(["cat", "dog", "cat", "cat"], "binary", id="two-strings"),
        pytest.param([0, 1, 2, 3, 1], "multiclass", id="few-integers"),
        pytest.param(["a", "b", "c"], "multiclass", id="strings"),
        pytest.param([0.5, 1.25, 3.0, 2.2], "regression", id="floats"),
        pytest.param(list(range(80)), "regression", id="many-integers"),
    ],
)
def test_the_task_follows_the_labels(labels: list[object], task: str) -> None:
    assert infer_task(pd.Series(labels)) == task


def test_a_given_task_wins_over_inference() -> None:
    table = prepare_table(small_table(), "y", task="regression")

    assert table.task == "regression"


def test_rows_without_a_label_are_left_out_and_counted() -> None:
    frame = small_table()
    frame["y"] = frame["y"].astype("float64")
    frame.loc[:4, "y"] = np.nan

    table = prepare_table(frame, "y")

    assert (table.rows, table.unlabelled_rows, table.task) == (35, 5, "binary")


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(DataError) as raised:
        prepare_table(small_table().iloc[:0], "y")

    assert str(raised.value) == (
        "the training table is empty: it has 0 rows and 3 columns (a, b, y). "
        "Check the file path and how the table was read."
    )


def test_a_label_that_is_not_a_column_lists_the_columns() -> None:
    with pytest.raises(DataError) as raised:
        prepare_table(small_table(), "target")

    assert str(raised.value) == (
        "the label column 'target' is not in the training table; its columns are: a, b, y. "
        "Name the column that holds the labels."
    )


def test_a_table_without_numeric_columns_is_refused() -> None:
    frame = pd.DataFrame({"colour": ["red", "blue"] * 5, "size": ["S", "M"] * 5, "y": [0, 1] * 5})

    with pytest.raises(DataError) as raised:
        prepare_table(frame, "y")

    assert str(raised.value) == (
        "the training table has no numeric feature column: colour (str), size (str). The data "
        "probes work on numbers: encode text and categorical columns (one-hot or integer codes) "
        "and run again."
    )


def test_a_one_class_label_is_refused() -> None:
    frame = small_table()
    frame["y"] = 1

    with pytest.raises(DataError) as raised:
        prepare_table(frame, "y")

    assert str(raised.value) == (
        "the label column 'y' holds a single value (1) in all 40 labelled rows; a model needs "
        "at least two different labels to learn from. Check how the labels were built or "
        "filtered."
    )


def test_nan_everywhere_points_at_how_the_file_was_read() -> None:
    frame = small_table()
    frame[["a", "b"]] = np.nan

    with pytest.raises(DataError) as raised:
        prepare_table(frame, "y")

    assert str(raised.value) == (
        "every feature value is missing: all 2 feature columns are empty (NaN) in all 40 rows. "
        "Check how the file was read: the separator, the header row and the decimal mark."
    )


def test_a_label_column_without_values_is_refused() -> None:
    frame = small_table()
    frame["y"] = np.nan

    with pytest.raises(DataError) as raised:
        prepare_table(frame, "y")

    assert str(raised.value) == (
        "the label column 'y' holds no values: all 40 rows are missing. "
        "Check how the labels were read or joined to the inputs."
    )


def test_validation_must_have_the_training_columns() -> None:
    with pytest.raises(DataError) as raised:
        prepare_table(small_table(), "y", valid=small_table().drop(columns=["b"]))

    assert str(raised.value) == (
        "the validation table lacks columns the training table has: b. "
        "Both tables need the same feature columns."
    )


def test_text_labels_cannot_be_regression() -> None:
    frame = small_table()
    frame["y"] = ["cat", "dog"] * 20

    with pytest.raises(DataError) as raised:
        prepare_table(frame, "y", task="regression")

    assert str(raised.value) == (
        "the task is regression but the label column 'y' holds text (for example 'cat'). "
        "Give numeric targets, or set the task to binary or multiclass."
    )


def test_read_table_reads_semicolon_separated_files(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a;b;y\n1;2;0\n3;4;1\n", encoding="utf-8")

    assert read_table(path).columns.tolist() == ["a", "b", "y"]


def test_a_csv_that_does_not_parse_says_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1,7,8\n", encoding="utf-8")

    with pytest.raises(DataError) as raised:
        read_table(path)

    assert str(raised.value) == (
        f"could not read '{path}' as CSV: Error tokenizing data. C error: Expected 3 fields in "
        "line 3, saw 5. Check that it is a text file with a header row and the same number "
        "of fields on every line."
    )


def test_a_missing_table_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError) as raised:
        read_table(tmp_path / "nowhere.csv")

    assert str(raised.value) == (
        f"no table at '{tmp_path / 'nowhere.csv'}': the path does not exist. "
        "Give the path of a CSV or Parquet file."
    )


def test_a_spreadsheet_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")

    with pytest.raises(DataError) as raised:
        read_table(path)

    assert str(raised.value) == (
        f"'{path}' is not a table the data probes read: expected a file ending in .csv, .tsv, "
        ".txt, .parquet, .pq. Save it as CSV and run again."
    )
