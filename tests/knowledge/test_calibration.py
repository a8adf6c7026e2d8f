"""Likelihood calibration: what the probes report on common setups points at the right cause.

Each scenario is the set of facts the probes report on a kind of setup (not on one example file);
the beliefs must rank the cause that setup really has, and raise no alarm on healthy ones.
"""

from __future__ import annotations

import pytest

from assistant.core.beliefs import BeliefModel
from assistant.core.rules import derive
from knowledge.loader import bundled
from knowledge.types import CauseId, FactId, Value

FOUND_AT = bundled().thresholds.found_at
#: the likelihood ratio past which a fact shows on a cause card as evidence for or against it
EVIDENCE_RATIO = bundled().thresholds.evidence_ratio

#: What every probe reports on a model that trains normally.
HEALTHY_PROBES: dict[FactId, Value] = {
    "loss_trend": "decreasing",
    "overfit_one_batch": "pass",
    "baseline_signal": "strong",
    "constant_predictions": "no",
    "update_ratio": "healthy",
    "gradient_flow": "healthy",
    "dead_units": "few",
    "saturation": "no",
    "nonfinite_values": "no",
    "output_activation": "none",
    "output_range_mismatch": "no",
    "softmax_into_ce": "no",
    "loss_task_fit": "fits",
    "broadcast_mismatch": "no",
    "label_format": "ok",
    "crash": "none",
    "mode_effect": "no",
    "split_overlap": "no",
    "leaky_feature": "no",
    "valid_distribution": "same",
    "dataset_size": "small",
}


@pytest.fixture(scope="module")
def model() -> BeliefModel:
    return BeliefModel(bundled())


def confidences(model: BeliefModel, facts: dict[FactId, Value]) -> dict[CauseId, float]:
    derived = {f: v for f, (v, _) in derive(facts, model.kb.rules).items()}
    values = model.confidences({**facts, **derived})
    return dict(zip(model.causes, (float(v) for v in values), strict=True))


def found(model: BeliefModel, facts: dict[FactId, Value]) -> list[CauseId]:
    return [c for c, p in confidences(model, facts).items() if p >= FOUND_AT]


@pytest.mark.parametrize(
    "task",
    ["regression", "binary", "multiclass", "multilabel"],
)
def test_healthy_setup_raises_no_alarm(model: BeliefModel, task: Value) -> None:
    facts = {**HEALTHY_PROBES, "task": task, "train_valid_gap": "none"}
    assert found(model, facts) == ["eval.actually_fine"]


def test_multilabel_task_alone_does_not_make_the_metric_suspect(model: BeliefModel) -> None:
    facts = {**HEALTHY_PROBES, "task": "multilabel"}
    assert confidences(model, facts)["eval.misleading_metric"] < FOUND_AT


def test_metric_that_ignores_the_loss_is_found(model: BeliefModel) -> None:
    facts = {**HEALTHY_PROBES, "task": "multilabel", "metric_follows_loss": "no"}
    assert "eval.misleading_metric" in found(model, facts)


def test_train_valid_gap_points_at_overfitting_not_at_a_healthy_model(
    model: BeliefModel,
) -> None:
    beliefs = confidences(model, {**HEALTHY_PROBES, "train_valid_gap": "large"})
    assert beliefs["model.overfitting"] > beliefs["eval.actually_fine"]


def test_train_eval_mode_difference_beats_overfitting(model: BeliefModel) -> None:
    facts = {
        **HEALTHY_PROBES,
        "loss_trend": "plateau_high",
        "train_valid_gap": "large",
        "mode_effect": "yes",
    }
    beliefs = confidences(model, facts)
    assert beliefs["train.mode_mismatch"] > beliefs["model.overfitting"]
    assert beliefs["train.mode_mismatch"] >= FOUND_AT


def test_usual_learning_rate_is_not_evidence_against_too_low_when_range_test_says_so(
    model: BeliefModel,
) -> None:
    index = model.causes.index("train.lr_too_low")
    ratios = model.likelihood_ratios("learning_rate", "normal")
    assert ratios is not None
    assert 1 / EVIDENCE_RATIO < ratios[index] < EVIDENCE_RATIO
    facts = {**HEALTHY_PROBES, "loss_trend": "slow", "learning_rate": "normal"}
    facts["lr_vs_suggested"] = "much_lower"
    facts["update_ratio"] = "tiny"
    assert "train.lr_too_low" in found(model, facts)


def test_severe_imbalance_with_high_accuracy_points_at_the_imbalance(model: BeliefModel) -> None:
    facts = {**HEALTHY_PROBES, "task": "binary", "train_valid_gap": "none"}
    facts |= {"class_balance": "severe", "accuracy_level": "high"}
    beliefs = confidences(model, facts)
    assert beliefs["data.class_imbalance"] > beliefs["eval.actually_fine"]


def test_plateau_without_regularisation_clues_points_at_a_small_model(model: BeliefModel) -> None:
    facts = {**HEALTHY_PROBES, "task": "multiclass", "train_valid_gap": "none"}
    facts |= {"loss_trend": "plateau_high", "overfit_one_batch": "fail"}
    beliefs = confidences(model, facts)
    assert beliefs["model.too_small"] > beliefs["train.over_regularized"]


def test_collapse_to_one_output_points_at_over_regularisation(model: BeliefModel) -> None:
    facts = {**HEALTHY_PROBES, "task": "binary", "train_valid_gap": "none"}
    facts |= {"loss_trend": "slow", "overfit_one_batch": "fail", "constant_predictions": "yes"}
    facts |= {"inputs_normalised": "no", "feature_scales": "similar"}
    ranked = sorted(confidences(model, facts).items(), key=lambda item: -item[1])
    assert ranked[0][0] == "train.over_regularized"


#: What the probes report when the loss turns NaN or inf during training.
NAN_PROBES: dict[FactId, Value] = {
    **HEALTHY_PROBES,
    "loss_trend": "nan",
    "nonfinite_values": "yes",
    "gradient_flow": "exploding",
}


def leader(model: BeliefModel, facts: dict[FactId, Value]) -> CauseId:
    return max(confidences(model, facts).items(), key=lambda item: item[1])[0]


def test_nan_with_missing_cells_points_at_the_data(model: BeliefModel) -> None:
    facts = {**NAN_PROBES, "missing_values": "some", "overfit_one_batch": "pass"}
    assert leader(model, facts) == "data.missing_values"


def test_nan_with_inputs_of_very_different_scales_points_at_the_scaling(
    model: BeliefModel,
) -> None:
    facts = {**NAN_PROBES, "missing_values": "none", "update_ratio": "huge"}
    facts |= {"inputs_normalised": "no", "feature_scales": "very_different"}
    facts |= {"init_loss": "too_high", "depth": "shallow", "nonfinite_values": "no"}
    assert leader(model, facts) == "data.unscaled_features"


def test_nan_in_a_shallow_model_with_sane_inputs_points_at_an_overflow(model: BeliefModel) -> None:
    facts = {**NAN_PROBES, "missing_values": "none", "update_ratio": "huge", "depth": "shallow"}
    assert leader(model, facts) == "train.numerical_instability"


def test_a_metric_still_near_chance_does_not_argue_against_too_few_epochs(
    model: BeliefModel,
) -> None:
    index = model.causes.index("train.too_few_epochs")
    ratios = model.likelihood_ratios("accuracy_level", "chance")
    assert ratios is not None
    assert ratios[index] > 1 / EVIDENCE_RATIO


def test_many_constant_columns_with_a_memorised_train_set_points_at_useless_features(
    model: BeliefModel,
) -> None:
    """A wide table of mostly noise columns: the model memorises the training rows on them.

    The few real columns still give a quick baseline strong signal, the training loss falls and
    one batch is fitted; only the many constant or noise columns tell this from plain overfitting.
    """
    facts = {**HEALTHY_PROBES, "task": "binary", "modality": "tabular"}
    facts |= {"dataset_size": "tiny", "train_valid_gap": "large", "missing_values": "none"}
    facts |= {"constant_columns": "many", "label_noise": "low"}
    assert leader(model, facts) == "data.useless_features"


def test_many_labels_disagreeing_with_their_neighbours_points_at_label_noise(
    model: BeliefModel,
) -> None:
    """Noisy labels on a table: a quick baseline finds only weak signal, the neighbour check
    says many labels look wrong, and the network keeps lowering its loss by memorising them."""
    facts = {**HEALTHY_PROBES, "task": "multiclass", "modality": "tabular"}
    facts |= {"baseline_signal": "weak", "label_noise": "high", "accuracy_level": "chance"}
    facts |= {"train_valid_gap": "large", "constant_columns": "few", "class_balance": "balanced"}
    assert leader(model, facts) == "data.label_noise"


#: What the probes report on a small regression whose quick baseline finds nothing at all.
NO_SIGNAL_PROBES: dict[FactId, Value] = {
    **HEALTHY_PROBES,
    "task": "regression",
    "baseline_signal": "none",
    "loss_trend": "plateau_high",
    "train_valid_gap": "none",
    "label_pairing": "consistent",
}


def test_a_plain_relation_without_any_signal_points_at_misaligned_labels(
    model: BeliefModel,
) -> None:
    """The user knows the target follows from the inputs, yet a quick model finds nothing:
    the pairing was broken on the way, even where a completely shuffled pairing leaves no
    other trace and a small model cannot memorise the random batch."""
    facts = {**NO_SIGNAL_PROBES, "relation_expected": "yes", "overfit_one_batch": "fail"}
    assert leader(model, facts) == "data.misaligned_labels"


@pytest.mark.parametrize("relation", ["unknown", "no"])
def test_without_a_known_relation_no_signal_stays_no_signal(
    model: BeliefModel, relation: Value
) -> None:
    """A large model memorises the training rows of data that hold nothing to learn."""
    facts = {**NO_SIGNAL_PROBES, "loss_trend": "decreasing", "train_valid_gap": "large"}
    facts |= {"accuracy_level": "chance", "task": "binary", "relation_expected": relation}
    assert leader(model, facts) == "data.no_signal"


@pytest.mark.parametrize("pairing", ["off_by_rows", "splits_disagree"])
def test_labels_out_of_step_with_their_inputs_point_at_misaligned_labels(
    model: BeliefModel, pairing: Value
) -> None:
    assert leader(model, {**NO_SIGNAL_PROBES, "label_pairing": pairing}) == (
        "data.misaligned_labels"
    )


def test_a_model_blind_to_order_on_data_with_signal_points_at_the_architecture(
    model: BeliefModel,
) -> None:
    """Sequences whose class depends on order: the baseline on the flattened steps finds the
    signal, the order-blind model stays near chance and learns slowly."""
    facts = {**HEALTHY_PROBES, "task": "binary", "order_blind": "yes"}
    facts |= {"loss_trend": "slow", "accuracy_level": "chance", "overfit_one_batch": "fail"}
    assert leader(model, facts) == "model.wrong_architecture"


def test_an_order_blind_model_that_learns_raises_no_alarm(model: BeliefModel) -> None:
    """Sets (point clouds, bags of items) are meant to be read without order."""
    facts = {**HEALTHY_PROBES, "task": "multiclass", "order_blind": "yes"}
    facts |= {"train_valid_gap": "none"}
    assert found(model, facts) == ["eval.actually_fine"]


def test_extreme_regression_targets_explain_huge_gradients_better_than_the_learning_rate(
    model: BeliefModel,
) -> None:
    """A few sentinel or misread targets make squared errors, gradients and updates huge at
    an ordinary learning rate; the range test finds no rate at which the loss falls."""
    facts = {**HEALTHY_PROBES, "task": "regression", "outliers": "many"}
    facts |= {"gradient_flow": "exploding", "update_ratio": "huge", "learning_rate": "high"}
    facts |= {"loss_trend": "oscillating", "train_valid_gap": "valid_better"}
    assert leader(model, facts) == "data.outliers"


def test_huge_gradients_without_extreme_values_still_point_at_the_learning_rate(
    model: BeliefModel,
) -> None:
    facts = {**HEALTHY_PROBES, "task": "regression", "outliers": "few"}
    facts |= {"gradient_flow": "exploding", "update_ratio": "huge", "learning_rate": "very_high"}
    facts |= {"loss_trend": "oscillating", "lr_vs_suggested": "much_higher"}
    assert leader(model, facts) == "train.lr_too_high"


#: A model that memorises its training rows while validation stays at chance, where no table
#: baseline ran (images, token ids): only the fit on real against shuffled labels tells
#: structure the model overfits from labels with nothing to learn.
MEMORISING_WITHOUT_BASELINE: dict[FactId, Value] = {
    **{f: v for f, v in HEALTHY_PROBES.items() if f != "baseline_signal"},
    "task": "multiclass",
    "loss_trend": "decreasing",
    "train_valid_gap": "large",
    "accuracy_level": "chance",
}


def test_labels_fitted_no_faster_than_shuffled_point_at_the_labels(model: BeliefModel) -> None:
    facts = {**MEMORISING_WITHOUT_BASELINE, "real_vs_shuffled_fit": "same"}
    assert leader(model, facts) in ("data.no_signal", "data.misaligned_labels")


def test_labels_fitted_faster_than_shuffled_point_at_memorisation(model: BeliefModel) -> None:
    facts = {**MEMORISING_WITHOUT_BASELINE, "real_vs_shuffled_fit": "faster"}
    assert leader(model, facts) in ("model.overfitting", "data.too_small")


def test_relu_network_stuck_at_the_blind_guess_loss_points_at_dead_units(
    model: BeliefModel,
) -> None:
    # dead (or never-alive) ReLUs leave only the last bias: the loss sits at ln(classes)
    facts = {"hidden_activation": "relu", "loss_trend": "flat", "loss_at_chance": "yes"}
    assert leader(model, facts) == "model.dead_relu"


def test_a_loss_that_falls_but_stays_huge_points_at_unscaled_values(model: BeliefModel) -> None:
    # what the words "the loss goes down but it is 3e9" read as
    facts = {"loss_trend": "decreasing", "feature_scales": "very_different"}
    facts |= {"init_loss": "too_high", "task": "regression"}
    assert leader(model, facts) == "data.unscaled_features"


def test_a_model_that_trains_in_another_framework_points_at_what_pytorch_leaves_to_the_user(
    model: BeliefModel,
) -> None:
    # the same data trains elsewhere: the port (the loop, the loss, the layers) is suspect
    facts: dict[FactId, Value] = {"other_framework_trains": "yes"}
    ranked = sorted(confidences(model, facts).items(), key=lambda item: -item[1])
    assert [cause for cause, _ in ranked[:2]] == ["train.missing_zero_grad", "model.double_softmax"]
    facts |= {"zero_grad_called": "yes", "softmax_into_ce": "no"}
    assert leader(model, facts) in (
        "train.mode_mismatch",
        "model.bad_init",
        "train.shape_broadcast",
    )


def test_one_code_failing_on_some_datasets_only_points_at_the_data(model: BeliefModel) -> None:
    facts: dict[FactId, Value] = {"some_datasets_fail": "yes"}
    ranked = sorted(confidences(model, facts).items(), key=lambda item: -item[1])
    assert {cause for cause, _ in ranked[:4]} == {
        "data.unscaled_features",
        "data.outliers",
        "data.missing_values",
        "data.class_imbalance",
    }


def test_a_multiclass_task_alone_is_no_label_fault(model: BeliefModel) -> None:
    # most classifiers have several classes: the task says little about how labels are coded
    assert leader(model, {"task": "multiclass"}) != "data.label_encoding"
    facts: dict[FactId, Value] = {"task": "multiclass", "label_format": "one_based"}
    assert leader(model, facts) == "data.label_encoding"
