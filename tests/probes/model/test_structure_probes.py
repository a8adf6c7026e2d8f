"""output_check, loss_target_check, init_loss: each flags its fault and passes a healthy setup."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from probes.api import run


def mlp(inputs: int, outputs: int, *tail: nn.Module, hidden: int = 32) -> nn.Module:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs), *tail)


def test_output_check_passes_raw_scores_into_cross_entropy(cases: Any) -> None:
    result = run("output_check", cases.classification())
    assert result.status == "pass"
    assert result.facts == {
        "output_activation": "none",
        "softmax_into_ce": "no",
        "task": "multiclass",
        "output_units": "match",
        "output_range_mismatch": "no",
        "labels_in_range": "yes",
    }
    assert result.finding == (
        "The model ends in no output activation with 3 output units, which suits multiclass "
        "with this loss."
    )


def test_output_check_sees_a_hidden_layer_narrower_than_the_classes(cases: Any) -> None:
    result = run(
        "output_check", cases.classification(classes=6, model=lambda: mlp(10, 6, hidden=3))
    )

    assert result.status == "warn"
    assert result.facts["model_capacity"] == "tiny"
    assert result.values["narrowest_hidden_units"] == 3
    assert result.finding == (
        "A hidden layer has only 3 units for 6 classes: the class scores it feeds can vary in "
        "only 3 directions, too few to tell the classes apart freely. Widen it to at least the "
        "number of classes."
    )


@pytest.mark.parametrize(
    "model",
    [
        lambda: mlp(10, 6, hidden=5),  # classes less one: the scores span every direction
        lambda: nn.Linear(10, 6),  # no hidden layer to narrow them
    ],
    ids=["five-units", "no-hidden-layer"],
)
def test_output_check_says_nothing_of_capacity_without_a_bottleneck(cases: Any, model: Any) -> None:
    result = run("output_check", cases.classification(classes=6, model=model))

    assert result.status == "pass"
    assert "model_capacity" not in result.facts


def test_output_check_flags_a_softmax_feeding_cross_entropy(cases: Any) -> None:
    result = run("output_check", cases.classification(model=lambda: mlp(10, 3, nn.Softmax(1))))
    assert result.status == "fail"
    assert result.facts["softmax_into_ce"] == "yes"
    assert result.facts["output_activation"] == "softmax"
    assert result.finding == (
        "The model ends in a softmax, but CrossEntropyLoss applies its own: drop the last "
        "activation and feed it raw scores."
    )


def test_output_check_sees_a_functional_sigmoid_on_a_regression(cases: Any) -> None:
    class Squashed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = mlp(8, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.body(x))

    result = run("output_check", cases.regression(model=Squashed))
    assert result.facts["output_activation"] == "sigmoid"
    assert result.facts["output_range_mismatch"] == "yes"
    assert result.finding == (
        "The model ends in a sigmoid, whose output stays in [0, 1], but some regression "
        "targets fall outside that range: remove it or rescale the targets."
    )


def test_output_check_flags_a_softmax_over_one_regression_unit(cases: Any) -> None:
    result = run("output_check", cases.regression(model=lambda: mlp(8, 1, nn.Softmax(dim=1))))
    assert result.facts["output_range_mismatch"] == "yes"
    assert result.finding == (
        "The model ends in a softmax over a single unit, which always outputs 1: remove it and "
        "output the raw value."
    )


def test_output_check_flags_one_unit_for_three_classes(cases: Any) -> None:
    result = run("output_check", cases.classification(model=lambda: mlp(10, 1)))
    assert result.status == "fail"
    assert result.facts["output_units"] == "too_few"
    assert result.facts["labels_in_range"] == "no"
    assert result.finding == (
        "The model has 1 output unit, too few for multiclass with this loss, which needs 3. "
        "Some labels fall outside [0, 1): the model has 1 output unit, so those labels can "
        "never be predicted."
    )


def test_loss_target_check_passes_matching_shapes(cases: Any) -> None:
    result = run("loss_target_check", cases.regression())
    assert result.status == "pass"
    assert result.facts == {
        "broadcast_mismatch": "no",
        "label_format": "ok",
        "loss_task_fit": "fits",
        "crash": "none",
    }


def test_loss_target_check_flags_shapes_that_broadcast(cases: Any) -> None:
    x, y = cases.regression()["train"]
    result = run("loss_target_check", cases.regression(train=(x, y[:, 0]), valid=None))
    assert result.status == "fail"
    assert result.facts["broadcast_mismatch"] == "yes"
    assert result.finding == (
        "The prediction has shape [64, 1] and the target [64]: MSELoss broadcasts them to "
        "[64, 64] and compares every prediction with every target. Make the shapes equal "
        "(e.g. squeeze(-1))."
    )


def test_loss_target_check_flags_nll_on_raw_scores(cases: Any) -> None:
    result = run("loss_target_check", cases.classification(loss=nn.NLLLoss()))
    assert result.facts["loss_task_fit"] == "mismatch"
    assert result.finding == (
        "NLLLoss expects log-probabilities, but the model does not end in a log-softmax: add "
        "nn.LogSoftmax(dim=1) or use CrossEntropyLoss on the raw scores."
    )


@pytest.mark.parametrize(
    ("change", "crash", "label_format", "finding"),
    [
        (
            lambda y: y.float(),
            "dtype_mismatch",
            "float_classes",
            "The loss failed on a prediction of shape [64, 3] (float32) and a target of shape "
            "[64] (float32): RuntimeError: expected target dtype to be Long or Byte, but got "
            "Float. The class labels are floats; the loss wants integer class indices: use "
            "labels.long().",
        ),
        (
            lambda y: y + 1,
            "index_out_of_bounds",
            "one_based",
            "The loss failed on a prediction of shape [64, 3] (float32) and a target of shape "
            "[64] (int64): IndexError: Target 3 is out of bounds. The class labels run from 1 "
            "to the number of classes; they must start at 0: subtract 1.",
        ),
    ],
    ids=["float-labels", "one-based-labels"],
)
def test_loss_target_check_names_the_crash_and_the_label_format(
    cases: Any, change: Any, crash: str, label_format: str, finding: str
) -> None:
    x, y = cases.classification()["train"]
    result = run("loss_target_check", cases.classification(train=(x, change(y)), valid=None))
    assert result.status == "fail"
    assert result.facts["crash"] == crash
    assert result.facts["label_format"] == label_format
    assert result.finding == finding


def test_init_loss_matches_a_blind_guess_for_a_fresh_classifier(cases: Any) -> None:
    result = run("init_loss", cases.classification())
    assert result.status == "pass"
    assert result.facts == {"init_loss": "expected"}
    assert (
        result.finding
        == "The loss at initialisation is 1.089, close to the 1.099 a blind guess gives."
    )


def test_init_loss_flags_weights_that_start_too_large(cases: Any, scale: Any) -> None:
    result = run("init_loss", cases.classification(model=scale(lambda: mlp(10, 3), 20.0)))
    assert result.status == "warn"
    assert result.facts == {"init_loss": "too_high"}
    assert result.finding.startswith("The loss at initialisation is ")
    assert result.finding.endswith(
        "times the 1.099 a blind guess gives: the untrained model is confidently wrong (large "
        "initial weights or an output far from the targets)."
    )


def test_init_loss_for_regression_compares_with_predicting_zero(cases: Any) -> None:
    result = run("init_loss", cases.regression())
    assert result.facts == {"init_loss": "expected"}
    assert result.finding == (
        "The loss at initialisation is 11.03, close to the 10.54 predicting 0 for every target "
        "gives."
    )


def test_nan_everywhere_in_the_data_is_named(cases: Any) -> None:
    nan_data = (torch.full((100, 10), float("nan")), torch.zeros(100, dtype=torch.long))
    result = run("init_loss", cases.classification(train=nan_data, valid=None))
    assert result.status == "fail"
    assert result.facts == {"init_loss": "too_high"}
    assert result.finding == (
        "The loss of the untrained model is nan, not a number. The inputs hold NaN or inf in "
        "100% of their entries."
    )


def test_output_check_sees_a_sigmoid_behind_a_flatten(cases: Any) -> None:
    def squashed() -> nn.Module:
        return nn.Sequential(mlp(8, 1), nn.Sigmoid(), nn.Flatten(0))

    x, y = cases.regression()["train"]
    result = run("output_check", cases.regression(train=(x, y[:, 0] * 100), valid=None))
    assert result.facts["output_range_mismatch"] == "no"
    result = run(
        "output_check", cases.regression(model=squashed, train=(x, y[:, 0] * 100), valid=None)
    )
    assert result.facts["output_activation"] == "sigmoid"
    assert result.facts["output_range_mismatch"] == "yes"


def _binary(cases: Any, labels: Any) -> Any:
    x, y = cases.classification(classes=2)["train"]
    return cases.classification(
        classes=2,
        model=lambda: mlp(10, 1),
        train=(x, labels(y).float().unsqueeze(1)),
        valid=None,
        loss=nn.BCEWithLogitsLoss(),
        task="binary",
    )


def test_loss_target_check_flags_minus_one_plus_one_labels_for_bce(cases: Any) -> None:
    result = run("loss_target_check", _binary(cases, lambda y: y * 2 - 1))
    assert result.facts["label_format"] == "strings"
    assert result.finding == (
        "Some labels lie outside [0, 1]; BCEWithLogitsLoss wants 0 or 1 (or a probability): "
        "map them, e.g. (labels + 1) / 2 for -1/+1."
    )
    assert run("loss_target_check", _binary(cases, lambda y: y)).facts["label_format"] == "ok"


def test_cross_entropy_over_one_unit_is_a_misfit_with_too_few_units(cases: Any) -> None:
    x, y = cases.regression()["train"]
    experiment = cases.regression(loss=nn.CrossEntropyLoss(), train=(x, y / 10), valid=None)
    result = run("loss_target_check", experiment)
    assert result.facts["loss_task_fit"] == "mismatch"
    assert result.facts["label_format"] == "ok"
    assert result.finding == (
        "CrossEntropyLoss over a single output unit sees one class only, so the loss is 0 "
        "whatever the model predicts and nothing is learnt: give the model one output per "
        "class, or use BCEWithLogitsLoss for two classes and MSELoss for a regression."
    )
    assert run("output_check", experiment).facts["output_units"] == "too_few"


def test_loss_target_check_flags_ignore_index_hiding_a_real_class(cases: Any) -> None:
    experiment = cases.classification(loss=nn.CrossEntropyLoss(ignore_index=0))
    share = float((experiment["train"][1] == 0).float().mean())

    result = run("loss_target_check", experiment)

    assert result.facts["loss_task_fit"] == "mismatch"
    assert result.finding == (
        f"CrossEntropyLoss is built with ignore_index=0, and class 0 labels {share:.0%} of the "
        "training examples: the loss never sees them, so it can fall to near zero while the "
        "model never learns that class and accuracy stays low. Keep ignore_index for padding "
        "only (the default -100)."
    )


def test_loss_target_check_leaves_an_ignore_index_no_label_uses_alone(cases: Any) -> None:
    result = run(
        "loss_target_check", cases.classification(loss=nn.CrossEntropyLoss(ignore_index=7))
    )

    assert result.facts["loss_task_fit"] == "fits"


def _binary_with_step(cases: Any, train_step: Any) -> dict[str, Any]:
    x, y = cases.classification(classes=2)["train"]
    return cases.classification(
        model=lambda: mlp(10, 1),
        train=(x, y.float()),
        valid=None,
        loss=nn.BCEWithLogitsLoss(),
        train_step=train_step,
    )


def _squeezing_step(model: nn.Module, batch: Any, loss_fn: Any, optimizer: Any) -> float:
    inputs, targets = batch
    optimizer.zero_grad()
    loss = loss_fn(model(inputs).squeeze(-1), targets)
    loss.backward()
    optimizer.step()
    return float(loss.item())


def _plain_step(model: nn.Module, batch: Any, loss_fn: Any, optimizer: Any) -> float:
    inputs, targets = batch
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return float(loss.item())


def test_loss_target_check_feeds_the_loss_as_the_users_step_does(cases: Any) -> None:
    result = run("loss_target_check", _binary_with_step(cases, _squeezing_step))

    assert result.status == "pass"
    assert result.facts["broadcast_mismatch"] == "no"
    assert result.finding == (
        "Prediction [64] and target [64] (float32) fit the loss, which suits binary."
    )


def test_loss_target_check_still_flags_a_step_that_keeps_the_wrong_shape(cases: Any) -> None:
    result = run("loss_target_check", _binary_with_step(cases, _plain_step))

    assert result.status == "fail"
    assert result.facts["crash"] == "size_mismatch"
