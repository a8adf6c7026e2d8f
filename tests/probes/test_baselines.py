"""baselines: signal against a dummy model and shuffled labels, noise, too-good scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from knowledge.loader import load
from probes.registry import PROBES
from probes.result import ProbeResult
from probes.target import Target

ROWS = 1_500


def table(flipped: float = 0.0, noise: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """Binary labels from two of five columns; ``flipped`` of them replaced at random."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(ROWS, 5))
    labels = features[:, 0] + 0.5 * features[:, 1] + noise * rng.normal(size=ROWS) > 0
    flips = rng.random(ROWS) < flipped
    frame = pd.DataFrame(features, columns=[f"x{i}" for i in range(5)])
    frame["y"] = np.where(flips, rng.integers(0, 2, size=ROWS), labels.astype(int))
    return frame


def run(frame: pd.DataFrame, valid: pd.DataFrame | None = None) -> ProbeResult:
    return PROBES["baselines"](Target.from_frame(frame, "y", valid), lambda progress: None)


def test_clear_signal_is_strong_and_quiet() -> None:
    result = run(table())

    assert result.facts == {"baseline_signal": "strong", "too_good": "no", "label_noise": "low"}
    assert result.status == "pass"
    assert result.finding == "A quick gradient-boosted model finds clear signal in the data."


def test_shuffled_labels_have_no_signal() -> None:
    frame = table()
    frame["y"] = np.random.default_rng(1).permutation(frame["y"].to_numpy())

    result = run(frame)

    assert result.facts == {
        "baseline_signal": "none",
        "too_good": "no",
        "label_pairing": "consistent",
    }
    assert result.status == "fail"
    assert result.finding == (
        "No signal: a gradient-boosted model does no better than on shuffled labels "
        "(balanced accuracy 0.506 against 0.524 on shuffled labels)."
    )


def test_a_faint_signal_is_weak() -> None:
    result = run(table(noise=2.0))

    assert (result.facts["baseline_signal"], result.status) == ("weak", "warn")
    assert result.finding.startswith(
        "Weak signal: a gradient-boosted model beats a dummy model only slightly "
        "(balanced accuracy 0.617 against 0.534 on shuffled labels)"
    )


def test_a_small_lucky_score_on_random_labels_is_no_signal() -> None:
    """0.51 balanced accuracy on a few hundred held-out rows is within chance's spread."""
    frame = table()
    frame["y"] = np.random.default_rng(7).integers(0, 2, size=ROWS)

    result = run(frame)

    assert result.facts["baseline_signal"] == "none"


def test_many_flipped_labels_with_a_weak_log_loss_are_still_noise() -> None:
    """Three classes, 40% of labels wrong: log loss barely beats the dummy, accuracy does."""
    rng = np.random.default_rng(3)
    features = rng.normal(size=(ROWS, 4))
    labels = np.digitize(features[:, 0] + 0.5 * features[:, 1], [-0.5, 0.5])
    wrong = rng.random(ROWS) < 0.6
    labels[wrong] = rng.integers(0, 3, size=int(wrong.sum()))
    frame = pd.DataFrame(features, columns=[f"x{i}" for i in range(4)])
    frame["y"] = labels

    result = run(frame)

    assert result.facts["baseline_signal"] != "none"
    assert result.facts["label_noise"] == "high"


def test_a_few_targets_off_by_orders_of_magnitude_do_not_hide_the_signal() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(ROWS, 3)), columns=["a", "b", "c"])
    frame["y"] = 20 + 3 * frame["a"] - 2 * frame["b"] + 0.3 * rng.normal(size=ROWS)
    misread = rng.random(ROWS) < 0.03
    frame.loc[misread, "y"] *= 1000.0

    result = run(frame)

    assert result.facts["baseline_signal"] == "strong"


def test_labels_flipped_at_random_are_noise() -> None:
    result = run(table(flipped=0.4, noise=0.0))

    assert result.facts["label_noise"] == "high"
    assert "of the labels disagree with a model that never saw them, even where it is surest" in (
        result.finding
    )


def test_a_perfect_score_is_too_good_to_be_true() -> None:
    frame = table()
    frame["x4"] = frame["y"]

    result = run(frame)

    assert result.facts["too_good"] == "yes"
    assert result.finding == (
        "A quick model scores a balanced accuracy of 1 out of fold, which is too good to be "
        "true for most real data."
    )


def test_regression_targets_are_scored_by_r_squared() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(ROWS, 4)), columns=["a", "b", "c", "d"])
    frame["y"] = 2 * frame["a"] + np.sin(3 * frame["b"]) + 0.5 * rng.normal(size=ROWS)

    result = run(frame)

    assert result.facts == {"baseline_signal": "strong", "too_good": "no", "label_noise": "low"}
    assert 0.6 < float(result.values["headline_score"] or 0) < 0.99


def test_missing_and_infinite_values_and_text_do_not_stop_the_models() -> None:
    frame = table()
    frame.loc[:50, "x2"] = np.nan
    frame.loc[60:65, "x3"] = np.inf
    frame["city"] = np.where(frame["x0"] > 0, "Paris", "Lyon")

    assert run(frame).facts["baseline_signal"] == "strong"


def test_every_fact_and_value_is_in_the_knowledge_base() -> None:
    facts = run(table(flipped=0.4, noise=0.0), valid=table(seed=1)).facts

    knowledge = load()
    assert set(facts) == set(knowledge.probes["baselines"].yields)
    assert all(value in knowledge.facts[fact].values for fact, value in facts.items())


# -- inputs and labels paired wrongly ----------------------------------------------------------


def test_labels_one_row_out_of_step_are_found() -> None:
    """An off-by-one join: each row carries the label of the row before it."""
    frame = table()
    frame["y"] = np.roll(frame["y"].to_numpy(), 1)

    result = run(frame)

    assert result.facts["baseline_signal"] == "none"
    assert result.facts["label_pairing"] == "off_by_rows"
    assert result.values["pairing_shift"] == 1
    assert result.finding == (
        "No signal: a gradient-boosted model does no better than on shuffled labels (balanced "
        "accuracy 0.501 against 0.547 on shuffled labels); each label fits the inputs 1 row "
        "before it (skill 0.678) far better than its own row's (skill -0.131): inputs and "
        "labels are out of step, as after an off-by-one join or a lagged series."
    )


def test_labels_shuffled_in_training_only_make_the_splits_disagree() -> None:
    frame, valid = table(), table(seed=1).iloc[:400]
    frame["y"] = np.random.default_rng(1).permutation(frame["y"].to_numpy())

    result = run(frame, valid)

    assert result.facts["label_pairing"] == "splits_disagree"
    assert result.finding.endswith(
        "; a quick model finds clear signal within the validation data (skill 0.588) but none "
        "within the training data (skill -0.0709): the training labels look shuffled apart "
        "from their inputs."
    )


def test_labels_shuffled_in_validation_only_make_the_splits_disagree() -> None:
    valid = table(seed=1).iloc[:400].copy()
    valid["y"] = np.random.default_rng(1).permutation(valid["y"].to_numpy())

    result = run(table(), valid)

    assert result.facts["baseline_signal"] == "strong"
    assert result.facts["label_pairing"] == "splits_disagree"
    assert "but none within the validation data" in result.finding


def test_sound_splits_are_consistent() -> None:
    result = run(table(), table(seed=1).iloc[:400])

    assert result.facts["label_pairing"] == "consistent"
    assert result.status == "pass"


def test_a_rare_class_in_a_small_validation_split_is_not_judged() -> None:
    """A dozen positives are too few to call the validation signal nothing."""
    rng = np.random.default_rng(2)
    valid = table(seed=1).iloc[:600].copy()
    valid["y"] = (rng.random(600) < 0.02).astype(int)

    facts = run(table(), valid).facts

    assert facts["baseline_signal"] == "strong"
    assert "label_pairing" not in facts


def test_labels_with_no_signal_anywhere_show_no_sign_of_misalignment() -> None:
    frame = table()
    frame["y"] = np.random.default_rng(1).permutation(frame["y"].to_numpy())
    valid = table(seed=1).iloc[:400].copy()
    valid["y"] = np.random.default_rng(2).permutation(valid["y"].to_numpy())

    result = run(frame, valid)

    assert result.facts["baseline_signal"] == "none"
    assert result.facts["label_pairing"] == "consistent"


def forecasting_table(binary: bool) -> pd.DataFrame:
    """Twenty lagged returns per row and the next return (or its direction) as the label: the
    label of each row is the first lag of the next row, which is no misalignment."""
    rng = np.random.default_rng(0)
    returns = rng.normal(size=ROWS + 25)
    lags = np.column_stack([returns[20 - k : 20 - k + ROWS] for k in range(1, 21)])
    frame = pd.DataFrame(lags, columns=[f"lag{k}" for k in range(1, 21)])
    following = returns[20 : 20 + ROWS]
    frame["y"] = (following > 0).astype(int) if binary else following
    return frame


@pytest.mark.parametrize("binary", [True, False], ids=["direction", "return"])
def test_a_forecasting_table_with_lagged_columns_is_not_out_of_step(binary: bool) -> None:
    facts = run(forecasting_table(binary)).facts

    assert facts["baseline_signal"] == "none"
    assert facts["label_pairing"] == "consistent"


def test_a_noisy_relation_one_row_out_of_step_is_still_found() -> None:
    """One input column and a straight-line target with noise, joined off by one row."""
    rng = np.random.default_rng(0)
    celsius = rng.uniform(-50, 50, size=ROWS)
    fahrenheit = 1.8 * celsius + 32 + rng.normal(0, 3, size=ROWS)
    frame = pd.DataFrame({"celsius": celsius, "y": np.roll(fahrenheit, 1)})

    result = run(frame)

    assert result.facts["label_pairing"] == "off_by_rows"
    assert result.values["pairing_shift"] == 1


def test_a_column_is_a_copy_of_the_label_only_when_the_ranks_agree() -> None:
    from probes.data.alignment import copies_the_label

    rng = np.random.default_rng(0)
    label = rng.normal(size=500)
    noise = rng.normal(size=(500, 3))

    assert copies_the_label(np.column_stack([noise, np.exp(label)]), label, binary=False)
    assert not copies_the_label(np.column_stack([noise, label + 0.05 * noise[:, 0]]), label, False)
    assert copies_the_label(np.column_stack([noise, label]), (label > 0).astype(int), True)
