"""The clues a senior colleague reads in a complaint, in wordings of our own: each sets the
facts it shows, and the cause it points at ranks first, words only, every question answered
"don't know" (as ``unstuck diagnose --say`` runs)."""

from __future__ import annotations

import pytest

from assistant.core.engine import Engine
from assistant.core.reading import TextReader
from assistant.core.reading.code import read_code
from assistant.drive.headless import run
from knowledge.loader import KnowledgeBase
from knowledge.types import CauseId


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def first(engine: Engine, say: str) -> CauseId:
    _, outcome = run(engine, say=say)
    return outcome.causes[0].id


CLUES = [
    pytest.param(
        "model.evaluate() on the test set says 94% accuracy, but scoring the output of "
        "model.predict() against my labels by hand I get something near random",
        {"label_pairing": "off_by_rows"},
        "data.misaligned_labels",
        id="two-evaluations-disagree",
    ),
    pytest.param(
        "I put a ReLU after the final layer; after a few hundred steps every gradient is "
        "exactly zero",
        {"output_activation": "relu", "gradient_flow": "vanishing"},
        "model.output_activation",
        id="dead-relu-output",
    ),
    pytest.param(
        "fine-tuning a pretrained RoBERTa for spam detection, it outputs the same probability "
        "for every message and accuracy is 52%",
        {"architecture": "pretrained", "constant_predictions": "yes", "accuracy_level": "chance"},
        "train.lr_too_high",
        id="fine-tuning-collapse",
    ),
    pytest.param(
        "I wrote my own learning rate schedule with warmup and since then the loss does not "
        "move at all",
        {"lr_schedule": "custom", "loss_trend": "flat"},
        "train.lr_too_low",
        id="hand-written-schedule",
    ),
    pytest.param(
        "predicting apartment rents with mse as the loss and metrics=['accuracy']; the "
        "accuracy is stuck near 0",
        {"task": "regression", "metric_watched": "accuracy"},
        "eval.misleading_metric",
        id="accuracy-on-a-regression",
    ),
    pytest.param(
        "fraud detection: 98% accuracy but it only ever predicts the majority class",
        {"constant_predictions": "yes", "accuracy_level": "high"},
        "data.class_imbalance",
        id="majority-class-only",
    ),
    pytest.param(
        "transfer learning with a MobileNetV2 whose base I froze: training accuracy climbs to "
        "95% but the val accuracy bounces around 30%",
        {"batchnorm": "yes", "valid_curve": "erratic", "train_valid_gap": "large"},
        "train.mode_mismatch",
        id="frozen-batchnorm-fine-tuning",
    ),
    pytest.param(
        "the validation loss is lower than the training loss in every epoch, is that a bug?",
        {"train_valid_gap": "valid_better"},
        "eval.actually_fine",
        id="validation-better",
    ),
    pytest.param(
        "LSTM forecasting tomorrow's bitcoin price: the mse gets really small, yet the "
        "forecast is basically the previous day's price",
        {
            "relation_expected": "no",
            "baseline_signal": "none",
            "loss_trend": "decreasing",
            "modality": "sequence",
        },
        "data.no_signal",
        id="persistence-forecast-of-a-price",
    ),
    pytest.param(
        "I changed the activations to relu and now the loss stays at 0.693 on my binary task",
        {"hidden_activation": "relu", "loss_at_chance": "yes", "loss_trend": "flat"},
        "model.dead_relu",
        id="relu-at-the-blind-guess-loss",
    ),
    pytest.param(
        "predicting house prices in dollars with an MLP: the loss goes down but stays in "
        "the billions",
        {"feature_scales": "very_different", "task": "regression"},
        "data.unscaled_features",
        id="loss-falls-but-stays-huge",
    ),
    pytest.param(
        "a torch port of a small Keras CNN: the original gets 88% and my port of it sits at 40%",
        {"other_framework_trains": "yes"},
        "train.missing_zero_grad",
        id="port-of-a-keras-model",
    ),
    pytest.param(
        "one script for all my EEG sessions: for most sessions the classifier learns, for a "
        "few of the others the loss never drops",
        {"some_datasets_fail": "yes"},
        "data.unscaled_features",
        id="fails-on-some-sessions",
    ),
    pytest.param(
        "5-class problem trained with mse on the label ids, the loss decreases but the "
        "accuracy is poor",
        {"loss_function": "mse", "task": "multiclass", "loss_trend": "decreasing"},
        "train.wrong_loss",
        id="mse-on-class-ids-falls",
    ),
]


@pytest.mark.parametrize(("say", "facts", "cause"), CLUES)
def test_the_clue_is_read_and_its_cause_ranks_first(
    engine: Engine, reader: TextReader, say: str, facts: dict[str, str], cause: CauseId
) -> None:
    assert reader.read(say).facts.items() >= facts.items()
    assert first(engine, say) == cause


def test_a_healthy_question_gets_no_confident_fault(engine: Engine) -> None:
    _, outcome = run(engine, say="the validation loss sits a bit below the training loss")
    assert [c for c in outcome.found if c != "eval.actually_fine"] == []


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        pytest.param(
            "the learning rate is divided by 10 after every batch", "custom", id="per-step"
        ),
        pytest.param("I use a cosine schedule", "library", id="cosine"),
        pytest.param("we did not change the lr schedule", None, id="negated"),
    ],
)
def test_schedules_in_words(reader: TextReader, text: str, schedule: str | None) -> None:
    assert reader.read(text).facts.get("lr_schedule") == schedule


@pytest.mark.parametrize(
    ("code", "schedule"),
    [
        pytest.param(
            "scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.1**step)",
            "custom",
            id="lambda-lr",
        ),
        pytest.param(
            "model.fit(X, y, callbacks=[LearningRateScheduler(decay)])", "custom", id="keras"
        ),
        pytest.param(
            "scheduler = StepLR(optimizer, step_size=30, gamma=0.1)", "library", id="step"
        ),
    ],
)
def test_schedules_in_code(code: str, schedule: str) -> None:
    assert read_code(code).facts["lr_schedule"] == schedule


def test_batchnorm_in_code_and_in_network_names(reader: TextReader) -> None:
    assert read_code("self.bn = nn.BatchNorm2d(64)\n").facts["batchnorm"] == "yes"
    assert read_code("x = layers.BatchNormalization()(x)\n").facts["batchnorm"] == "yes"
    assert reader.read("my densenet121 will not train").facts == {
        "architecture": "cnn",
        "batchnorm": "yes",
    }
    assert "batchnorm" not in reader.read("a small VGG on CIFAR-10").facts


@pytest.mark.parametrize(
    ("text", "level"),
    [
        pytest.param("binary classifier, accuracy 54%", "chance", id="binary-54"),
        pytest.param("binary classifier, accuracy 57%", None, id="binary-57"),
        pytest.param("10 classes, accuracy 11%", "chance", id="ten-classes-11"),
        pytest.param("10 classes, accuracy 13%", None, id="ten-classes-13"),
    ],
)
def test_chance_accuracy_has_a_margin_of_a_tenth(
    reader: TextReader, text: str, level: str | None
) -> None:
    assert reader.read(text).facts.get("accuracy_level") == level
