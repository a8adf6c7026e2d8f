"""The curve reader: three formats in, trend, gap and too-good facts out, clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from knowledge.loader import load
from probes.data import DataError, trend
from probes.data.curve import FORMATS, analyse, read_curves

LIGHTNING = """epoch,step,train_loss,val_loss,val_acc
0,99,2.10,,
0,99,,1.90,0.41
1,199,1.60,,
1,199,,1.55,0.52
2,299,1.20,,
2,299,,1.30,0.61
3,399,0.90,,
3,399,,1.15,0.66
"""


def test_lightning_metrics_keep_each_column_in_row_order(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(LIGHTNING, encoding="utf-8")

    assert read_curves(path) == {
        "train_loss": [2.1, 1.6, 1.2, 0.9],
        "val_loss": [1.9, 1.55, 1.3, 1.15],
        "val_acc": [0.41, 0.52, 0.61, 0.66],
    }


def test_a_keras_history_is_a_dict_of_lists(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [0.9, 0.7], "val_loss": [1.0, 0.8]}), encoding="utf-8")

    assert read_curves(str(path)) == {"loss": [0.9, 0.7], "val_loss": [1.0, 0.8]}


def test_log_history_records_are_read_like_sparse_rows() -> None:
    text = json.dumps({"log_history": [{"loss": 1.5, "epoch": 1}, {"eval_loss": 1.7, "epoch": 1}]})

    assert read_curves(text) == {"loss": [1.5], "eval_loss": [1.7]}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2.30 2.29 2.31 2.30", id="spaces"),
        pytest.param("2.30\n2.29\n2.31\n2.30\n", id="lines"),
        pytest.param("2.30, 2.29, 2.31, 2.30", id="commas"),
    ],
)
def test_pasted_numbers_are_the_loss(text: str) -> None:
    assert read_curves(text) == {"loss": [2.30, 2.29, 2.31, 2.30]}


def test_a_flat_loss_fails() -> None:
    result = analyse(read_curves("2.30 2.29 2.31 2.30"))

    assert (result.id, result.status, result.facts) == ("curve", "fail", {"loss_trend": "flat"})
    assert result.finding == "The loss curve stays flat: from 2.3 to 2.3 over 4 values."


@pytest.mark.parametrize(
    ("points", "trend"),
    [
        pytest.param([2.3 * math.exp(-i / 10) for i in range(50)], "decreasing", id="decreasing"),
        pytest.param([2.3 - 0.005 * i for i in range(50)], "slow", id="slow"),
        pytest.param([1.2 + 1.1 * math.exp(-i / 3) for i in range(50)], "plateau_high", id="stall"),
        pytest.param([math.exp(i / 10) for i in range(30)], "diverging", id="grows"),
        pytest.param([2.3, 0.4, 0.3, 0.5, 1.2, 3.5, 9.0], "diverging", id="blows-up"),
        pytest.param([2.3, 1.5, math.nan, math.nan], "nan", id="nan"),
        pytest.param([2.3, 1.5, math.inf], "nan", id="inf"),
        pytest.param([0.7, 0.2, -0.3, -0.9], "negative", id="negative"),
        pytest.param([2.0, 3.1, 1.4, 2.9, 1.2, 3.0, 1.5, 2.8, 1.3, 2.7], "oscillating", id="jumps"),
        pytest.param(
            [2.3 * math.exp(-i / 200) + 0.3 + 0.05 * (-1) ** i for i in range(1000)],
            "decreasing",
            id="noisy-steps",
        ),
    ],
)
def test_trends(points: list[float], trend: str) -> None:
    assert analyse({"loss": points}).facts["loss_trend"] == trend


def test_nan_names_the_first_bad_value() -> None:
    result = analyse(read_curves("2.3 1.9 1.7 nan nan"))

    assert result.finding == "The loss curve becomes NaN or infinite at value 4 of 5."
    assert result.series[0].y == [2.3, 1.9, 1.7]


def test_training_far_better_than_validation_is_a_large_gap() -> None:
    curves = {
        "loss": [2.3 * math.exp(-i / 5) for i in range(20)],
        "val_loss": [2.3 * math.exp(-i / 10) + 0.5 for i in range(20)],
    }

    result = analyse(curves)

    assert result.facts == {"loss_trend": "decreasing", "train_valid_gap": "large"}
    assert result.status == "warn"
    assert result.finding == (
        "The loss curve goes down steadily: from 1.75 to 0.0712 over 20 values; training loss "
        "ends at 0.0712, validation at 0.902: training does much better than validation."
    )


def test_validation_better_than_training() -> None:
    curves = {"train_loss": [2.0, 1.6, 1.3, 1.1, 1.0], "val_loss": [1.5, 1.0, 0.7, 0.6, 0.5]}

    assert analyse(curves).facts["train_valid_gap"] == "valid_better"


def test_close_curves_have_no_gap_and_pass() -> None:
    result = analyse(read_curves(LIGHTNING))

    assert result.facts == {"loss_trend": "decreasing", "train_valid_gap": "none", "too_good": "no"}
    assert result.status == "pass"
    assert [series.name for series in result.series] == ["train_loss", "val_loss", "val_acc"]


def test_accuracy_curves_alone_give_the_gap() -> None:
    curves = {
        "loss": [1.0, 0.6, 0.3, 0.1],
        "acc": [0.6, 0.8, 0.95, 0.99],
        "val_acc": [0.55, 0.6, 0.62, 0.61],
    }

    assert analyse(curves).facts["train_valid_gap"] == "large"


def test_a_near_perfect_validation_metric_is_too_good() -> None:
    curves = {"loss": [0.7, 0.3, 0.1, 0.05], "val_accuracy": [0.97, 0.99, 0.998, 0.999]}

    result = analyse(curves)

    assert result.facts["too_good"] == "yes"
    assert "val_accuracy reaches 0.999, which is too good to be true for most real data" in (
        result.finding
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "hello world\nfoo bar",
            f"could not read curves from the pasted text: the first line is 'hello world'. "
            f"Give {FORMATS}.",
            id="words",
        ),
        pytest.param(
            "", f"the pasted text is empty: no curves to read. Give {FORMATS}.", id="empty"
        ),
        pytest.param(
            '{"a": 1}',
            "the pasted text is JSON but not a history: expected a dict of lists of numbers "
            'such as {"loss": [2.3, 1.9], "val_loss": [2.4, 2.0]}; got a dict with keys a. '
            f"Give {FORMATS}.",
            id="json-not-history",
        ),
        pytest.param(
            "{bad json",
            "the pasted text looks like JSON but does not parse: Expecting property name "
            f"enclosed in double quotes at line 1, column 2. Give {FORMATS}.",
            id="broken-json",
        ),
        pytest.param(
            "a,b\n1,2,3",
            f"the pasted text line 2 has 3 fields but the header has 2. Give {FORMATS}.",
            id="ragged-csv",
        ),
        pytest.param(
            "missing/metrics.csv",
            "no curve file at 'missing/metrics.csv': the path does not exist. Give the path of "
            "a metrics.csv or history JSON, or paste the loss values.",
            id="no-file",
        ),
    ],
)
def test_unreadable_curves_say_what_was_seen_and_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        read_curves(text)

    assert str(raised.value) == message


def test_the_formats_are_spelled_out() -> None:
    assert FORMATS == (
        "a Lightning metrics.csv (a header row, then numbers), a Keras history JSON (a dict of "
        "lists of numbers), or numbers separated by spaces, commas or new lines"
    )


def test_a_binary_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "model.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")

    with pytest.raises(DataError) as raised:
        read_curves(path)

    assert str(raised.value) == (
        f"'{path}' is not a text file (invalid start byte at byte 0). Give {FORMATS}."
    )


def test_too_few_values_for_a_trend() -> None:
    with pytest.raises(DataError) as raised:
        analyse({"loss": [2.3, 2.1]})

    assert str(raised.value) == (
        "a trend needs at least 3 values of the loss; got 2. "
        "Give the loss of every epoch or every few steps."
    )


def test_curves_without_a_loss_are_refused() -> None:
    with pytest.raises(DataError) as raised:
        analyse({"val_acc": [0.5, 0.6, 0.7]})

    assert str(raised.value) == (
        "none of the curves is a loss: got val_acc. Name the loss curve train_loss, loss or "
        "val_loss, or paste the loss values alone."
    )


def test_series_carry_every_curve_for_plots() -> None:
    result = analyse({"loss": [3.0, 2.0, 1.0]})

    assert result.series[0].model_dump() == {
        "name": "loss",
        "x_label": "point",
        "y_label": "loss",
        "x": [0.0, 1.0, 2.0],
        "y": [3.0, 2.0, 1.0],
        "log_x": False,
    }


def test_every_fact_and_value_is_in_the_knowledge_base() -> None:
    curves = {"loss": [2.0, 1.5, 1.0], "val_loss": [2.1, 1.8, 1.7], "val_acc": [0.5, 0.6, 0.7]}
    knowledge = load()
    values = {fact: knowledge.facts[fact].values for fact in knowledge.probes["curve"].yields}

    facts = analyse(curves).facts

    assert set(facts) == set(values)
    assert all(value in values[fact] for fact, value in facts.items())
    assert set(trend.STATUS) == set(values["loss_trend"])
