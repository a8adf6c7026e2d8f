"""Numbers read in context."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from assistant.core.reading import Reading, TextReader
from assistant.core.reading.bounds import clean
from assistant.core.reading.numbers import (
    Context,
    chance_class_count,
    learning_rate_level,
    read_accuracy_level,
    read_class_balance,
    read_dataset_size,
    read_epochs,
    read_learning_rate,
    read_loss_at_chance,
    read_numbers,
    read_regularisation,
    read_train_valid_gap,
)
from tests.assistant.reading.cases import (
    HOSTILE,
    NUMBERS,
    SAFE_SECONDS,
    seconds,
)


@pytest.mark.parametrize(("text", "facts"), NUMBERS)
def test_numbers_read_in_context(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


def test_known_optimizer_changes_how_a_learning_rate_reads(reader: TextReader) -> None:
    reading = reader.read("0.1", expecting="learning_rate", known={"optimizer": "adam"})
    assert reading == Reading(facts={"learning_rate": "very_high"})


@pytest.mark.parametrize(
    ("lr", "optimizer", "level"),
    [
        (0.1, "adam", "very_high"),
        (0.1, "sgd", "high"),
        (0.1, None, "high"),
        (1.0, None, "very_high"),
        (1e-3, "adam", "normal"),
        (1e-5, "adam", "low"),
        (1e-6, "sgd", "very_low"),
    ],
)
def test_learning_rate_levels(lr: float, optimizer: str | None, level: str) -> None:
    assert learning_rate_level(lr, optimizer) == level


READERS: dict[str, Callable[[str], object]] = {
    "learning_rate": lambda text: read_learning_rate(text, Context()),
    "epochs": read_epochs,
    "dataset_size": lambda text: read_dataset_size(text, Context(classes=10)),
    "class_balance": lambda text: read_class_balance(text, Context()),
    "train_valid_gap": read_train_valid_gap,
    "accuracy_level": lambda text: read_accuracy_level(text, Context()),
    "regularisation": lambda text: read_regularisation(text, Context()),
    "loss_at_chance": lambda text: read_loss_at_chance(text, Context(stuck=True)),
    "numbers": lambda text: read_numbers(text, Context()),
}


@pytest.mark.parametrize("reader_name", list(READERS))
@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_each_number_reader_is_quick_on_the_whole_text(reader_name: str, text: str) -> None:
    read = READERS[reader_name]
    # the whole text, not the part TextReader.read keeps: the patterns themselves are linear
    assert seconds(lambda: read(clean(text))) < SAFE_SECONDS


@pytest.mark.parametrize("stuck", [False, True], ids=["moving", "stuck"])
def test_chance_class_count_is_the_first_k_within_two_percent(stuck: bool) -> None:
    def plain(loss: float) -> int | None:
        top = 1000 if stuck else 10
        return next(
            (k for k in range(2, top + 1) if abs(loss - math.log(k)) <= 0.02 * math.log(k)), None
        )

    losses = [i / 1000 for i in range(-100, 7500)] + [
        math.log(k) * f for k in range(2, 1001) for f in (0.98, 1.02)
    ]
    context = Context(stuck=stuck)
    assert [chance_class_count(x, context) for x in losses] == [plain(x) for x in losses]


@pytest.mark.parametrize(
    "text",
    [
        "val accuracy on CIFAR-10 is 87% and train is 95%",
        "ResNet-18 on my photos, train 99% and val-60 is not it",
        "fp16 training, top-5 accuracy is fine",
    ],
    ids=["cifar-10", "resnet-18", "fp16-top-5"],
)
def test_a_number_glued_to_a_word_is_a_name_not_a_value(reader: TextReader, text: str) -> None:
    facts = reader.read(text).facts
    assert "train_valid_gap" not in facts
    assert "accuracy_level" not in facts


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("my text classifier is right 70% of the time and stops there", None),
        ("a classification model that plateaus at 90%", None),
        ("90% of the labels are class 0", "imbalanced"),
        ("two classes, 95% of them negatives", "severe"),
    ],
    ids=["classifier", "classification", "labels", "classes"],
)
def test_a_share_is_a_class_balance_only_beside_classes_not_a_classifier(
    text: str, level: str | None
) -> None:
    assert read_class_balance(text, Context()) == level


@pytest.mark.parametrize(
    "text",
    [
        "test accuracy on CIFAR-10 is 93% after 40 epochs",
        "the accuracy with my ResNet50 reaches 93%",
    ],
    ids=["cifar-10", "resnet50"],
)
def test_a_name_with_digits_between_accuracy_and_its_value_is_read_past(text: str) -> None:
    assert read_accuracy_level(text, Context()) == "high"


def test_a_percentage_named_by_its_split_is_read_as_the_accuracy(reader: TextReader) -> None:
    reading = reader.read("got 91% on my validation set and 94% on train, is that normal?")

    assert reading.facts["accuracy_level"] == "high"
    assert reading.facts["train_valid_gap"] == "none"


def test_scores_of_both_splits_are_left_to_the_numbers_not_the_text_model(
    reader: TextReader,
) -> None:
    # an 8-point gap falls between the levels: nothing is read, and nothing is guessed either
    reading = reader.read("train accuracy 95%, val accuracy 87%")

    assert "train_valid_gap" not in reading.facts and reading.unsure == []
