"""Symptoms in words: what users say about weights, gradients, predictions, curves and data,
and the numbers that go with them (tensor shapes, a huge loss)."""

from __future__ import annotations

import pytest

from assistant.core.reading import Reading, TextReader
from assistant.core.reading.numbers import (
    Context,
    read_accuracy_level,
    read_broadcast,
    read_loss_scale,
    shapes,
)


def case(text: str, facts: dict[str, str], id: str) -> object:
    return pytest.param(text, facts, id=id)


SYMPTOMS = [
    case(
        "every gradient is zero and the weights are all negative",
        {"gradient_flow": "vanishing", "dead_units": "many"},
        "zero-gradients-negative-weights",
    ),
    case("the gradients are not zero", {"gradient_flow": "healthy"}, "gradients-not-zero"),
    case("the grads are None after backward", {"params_without_grad": "yes"}, "grads-none"),
    case("the weights never update", {"train_step_updates": "no"}, "weights-never-update"),
    case(
        "model.predict gives almost exactly the same value for every input",
        {"constant_predictions": "yes"},
        "same-value-for-every-input",
    ),
    case("every output is 0.5", {"constant_predictions": "yes"}, "every-output-0.5"),
    case(
        "the outputs are all zeros",
        {"constant_predictions": "yes", "dead_units": "many"},
        "all-zeros",
    ),
    case(
        "the last layer that produces the logits, is followed by a ReLU",
        {"output_activation": "relu"},
        "relu-after-the-last-layer",
    ),
    case(
        "validation uses exactly the same images as the training set, yet validation "
        "accuracy is clearly worse",
        {"mode_effect": "yes"},
        "same-data-different-numbers",
    ),
    case(
        "the accuracy doesnt seem to reflect how well it tags the images",
        {"metric_follows_loss": "no", "modality": "image"},
        "metric-does-not-reflect",
    ),
    case(
        "the prediction just copies the last value",
        {"model_vs_baseline": "similar", "baseline_signal": "none"},
        "copy",
    ),
    case("my training loss is really low", {"loss_trend": "decreasing"}, "low-loss"),
    case(
        "the rmse got pretty small",
        {"loss_trend": "decreasing", "loss_function": "mse"},
        "small-rmse",
    ),
    case("it never reaches a low training loss", {}, "never-a-low-loss"),
    case(
        "predicting share prices from the last 30 days",
        {"modality": "sequence", "relation_expected": "no", "task": "regression"},
        "share-prices",
    ),
    case(
        "will the stock price go up tomorrow: the accuracy is at chance",
        {"relation_expected": "no", "accuracy_level": "chance", "modality": "sequence"},
        "price-direction-is-no-regression",
    ),
    case(
        "EUR/USD exchange rate with a GRU",
        {
            "modality": "sequence",
            "relation_expected": "no",
            "task": "regression",
            "architecture": "recurrent",
        },
        "exchange-rate",
    ),
    case("the loss jumps at the start of each epoch", {"shuffling": "none"}, "epoch-start-jump"),
    case(
        "val loss goes up while train loss goes down",
        {"train_valid_gap": "large"},
        "val-up-train-down",
    ),
    case(
        "validation loss is consistently lower than training loss",
        {"train_valid_gap": "valid_better"},
        "val-lower",
    ),
    case(
        "I evaluate on the validation set several times within each epoch",
        {"mode_switching": "missing"},
        "eval-inside-epoch",
    ),
    case(
        "BCEWithLogitsLoss goes negative, masks read from PNG",
        {"labels_in_range": "no", "loss_function": "bce_with_logits"},
        "png-masks",
    ),
    case(
        "I read the csv with pandas and some columns are strings",
        {"categoricals": "raw_codes", "modality": "tabular"},
        "string-columns",
    ),
    case(
        "the loss is nan from the very first step",
        {"loss_trend": "nan", "nan_onset": "first_steps"},
        "nan-from-the-start",
    ),
    case(
        "after the first epoch the loss is nan",
        {"loss_trend": "nan"},
        "nan-after-the-first-epoch-says-no-onset",
    ),
    case(
        "after about 2000 iterations the loss turns into nan",
        {"loss_trend": "nan", "nan_onset": "later", "epochs": "some"},
        "nan-later",
    ),
    case(
        "it works on the test set but fails on photos taken with my phone",
        {"data_source_shift": "yes"},
        "phone-photos",
    ),
    case("o is (64, 1) and t is (64,)", {"broadcast_mismatch": "yes"}, "column-against-vector"),
    case("logits (64, 10) and targets (64,)", {}, "scores-against-indices"),
    case("tanh throughout the network", {"hidden_activation": "sigmoid_tanh"}, "tanh-throughout"),
    case(
        "sigmoid activations everywhere in a 12 layer net",
        {"hidden_activation": "sigmoid_tanh", "depth": "deep"},
        "sigmoid-everywhere",
    ),
    case(
        "the grad norm of the first layer is 3e-9",
        {"gradient_flow": "vanishing"},
        "tiny-gradient-number",
    ),
    case(
        "gradients around 0.00000001 in the embedding",
        {"gradient_flow": "vanishing"},
        "tiny-gradient-decimal",
    ),
    case(
        "gradient norm hits 2.5e6 before the nan",
        {"gradient_flow": "exploding", "loss_trend": "nan"},
        "huge-gradient-number",
    ),
    case("grad norm 0.5", {}, "ordinary-gradient-number"),
    case(
        "predictions in inference are way worse than during training, on the same batch",
        {"mode_effect": "yes"},
        "inference-worse-on-the-same-batch",
    ),
    case("I trained twice on the same data and got different results", {}, "two-runs-differ"),
    case(
        "I calculate the cross entropy by hand and after a while it is nan",
        {"loss_function": "other", "custom_loss": "yes", "loss_trend": "nan"},
        "cross-entropy-by-hand",
    ),
    case(
        "loss = -(y * torch.log(torch.sigmoid(z))).mean()",
        {"loss_function": "other", "custom_loss": "yes"},
        "log-of-sigmoid-in-code",
    ),
    case(
        "we are fine tuning on our own data", {"architecture": "pretrained"}, "fine-tuning-spaced"
    ),
    case(
        "unfroze the last block and trained again without recompiling",
        {"frozen_layers": "yes"},
        "keras-trainable-without-compile",
    ),
    case(
        "the loss falls but the f1 stays low",
        {"loss_trend": "decreasing", "metric_follows_loss": "no"},
        "metric-stays-low",
    ),
    case("LogisticRegression on my tabular data", {"modality": "tabular"}, "logistic-camel-case"),
    case(
        "my xgboost regressor beats the net",
        {"task": "regression", "modality": "tabular"},
        "regressor",
    ),
    case(
        "in eval mode the outputs are complete garbage",
        {"mode_effect": "yes"},
        "eval-outputs-garbage",
    ),
    case(
        "after model.eval() my predictions are totally different",
        {"mode_effect": "yes"},
        "eval-predictions-different",
    ),
    case(
        "the net memorised its training images within 5 epochs",
        {"train_valid_gap": "large", "modality": "image"},
        "memorised-training-images",
    ),
    case(
        "the decoder generates the same word over and over",
        {"constant_predictions": "yes"},
        "same-word-over-and-over",
    ),
    case("it never repeats the same word over and over", {}, "never-repeats"),
    case(
        "my mse is in the billions",
        {"feature_scales": "very_different", "init_loss": "too_high", "loss_function": "mse"},
        "loss-in-the-billions",
    ),
    case(
        "the loss falls every epoch but stays in the millions",
        {"feature_scales": "very_different", "init_loss": "too_high", "loss_trend": "decreasing"},
        "loss-stays-in-the-millions",
    ),
    case("the loss is not in the millions", {}, "loss-not-in-the-millions"),
    case(
        "train loss 4.4e8",
        {"feature_scales": "very_different", "init_loss": "too_high"},
        "huge-loss",
    ),
]


@pytest.mark.parametrize(("text", "facts"), SYMPTOMS)
def test_symptoms_in_words(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


def test_the_validation_loss_in_words_says_nothing_of_the_training_loss(
    reader: TextReader,
) -> None:
    assert "loss_trend" not in reader.read("the val loss is very low, the test loss too").facts
    assert "feature_scales" not in reader.read("the validation loss is in the thousands").facts


def test_each_fact_names_the_words_it_came_from(reader: TextReader) -> None:
    reading = reader.read("every gradient is zero and the weights are all negative")
    assert reading.evidence == {
        "gradient_flow": 'you wrote "every gradient is zero"',
        "dead_units": 'you wrote "weights are all negative"',
    }


def test_a_number_fact_names_its_number(reader: TextReader) -> None:
    assert reader.read("train loss 4.4e8").evidence == {
        "feature_scales": 'you wrote "loss 4.4e8"',
        "init_loss": 'you wrote "loss 4.4e8"',
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("(64, 1)", [(64, 1)]),
        ("(64 | 1)", [(64, 1)]),
        ("(64,)", [(64,)]),
        ("torch.Size([32])", [(32,)]),
        ("[32, 1]", [(32, 1)]),
        ("(64)", []),
    ],
    ids=["pair", "cleaned-pair", "vector", "torch-size", "list", "bracketed-number"],
)
def test_shapes(text: str, found: list[tuple[int, ...]]) -> None:
    assert shapes(text) == found


@pytest.mark.parametrize(
    ("text", "mismatch"),
    [
        ("torch.Size([32 | 1]) and torch.Size([32])", "yes"),
        ("(64 | 3) against (64 | 1)", "yes"),
        ("(64 | 10) against (64 |)", None),
        ("(1 | 1) and (1 |)", None),
    ],
    ids=["column-vector", "scores-column", "scores-indices", "batch-of-one"],
)
def test_broadcast_needs_a_column_and_another_shape_of_its_batch(
    text: str, mismatch: str | None
) -> None:
    assert read_broadcast(text) == mismatch


def test_only_a_huge_loss_says_unscaled_values() -> None:
    assert read_loss_scale("loss 12000") == "very_different"
    assert read_loss_scale("loss 218") is None


@pytest.mark.parametrize(
    "text",
    [
        "Training accuracy reaches 0.98 but val_acc sits around 0.16-0.19",
        "train_loss 0.1, val_loss 2.5",
    ],
    ids=["val_acc", "val_loss"],
)
def test_scores_named_with_an_underscore(reader: TextReader, text: str) -> None:
    assert reader.read(text) == Reading(facts={"train_valid_gap": "large"})


def test_a_count_is_no_accuracy() -> None:
    assert (
        read_accuracy_level("accuracy is stuck: every epoch prints 401 / 4200", Context()) is None
    )
