"""Phrases in knowledge/phrases.yaml: complaints read into the facts they state, and no more."""

from __future__ import annotations

import pytest

from assistant.core.reading import TextReader
from knowledge.loader import bundled
from knowledge.types import FactId, Value


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(bundled())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "the fit is bad even though the relation should be a straight line",
            {"relation_expected": "yes"},
            id="straight-line",
        ),
        pytest.param(
            "it sits at chance although the two classes look obviously different",
            {"relation_expected": "yes"},
            id="obviously-different",
        ),
        pytest.param(
            "any nurse could tell them apart at a glance, the model cannot",
            {},
            id="nurse-is-not-a-listed-subject",
        ),
        pytest.param(
            "a person can tell them apart at a glance but the model cannot",
            {"relation_expected": "yes"},
            id="a-person-can-tell",
        ),
        pytest.param(
            "the price follows a known formula from size and age",
            {"relation_expected": "yes"},
            id="known-formula",
        ),
        pytest.param(
            "region and carrier should explain most of the delivery time",
            {"relation_expected": "yes"},
            id="should-explain",
        ),
        pytest.param(
            "the relation is not obvious at all",
            {},
            id="negated-relation",
        ),
        pytest.param(
            "we want to see if there is any signal in these sensor readings",
            {"relation_expected": "no"},
            id="hoping-for-signal",
        ),
        pytest.param(
            "predicting tomorrow's stock returns from the last 20 days",
            {"relation_expected": "no"},
            id="stock-returns",
        ),
    ],
)
def test_the_expected_relation_is_read(
    reader: TextReader, text: str, expected: dict[FactId, Value]
) -> None:
    facts = reader.read(text).facts

    assert {f: v for f, v in facts.items() if f == "relation_expected"} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "the loss was still going down when training stopped",
            {"loss_trend": "decreasing", "epochs": "few"},
            id="still-falling-when-stopped",
        ),
        pytest.param(
            "I stopped training while the loss was still improving",
            {"epochs": "few", "loss_trend": "decreasing"},
            id="stopped-while-improving",
        ),
        pytest.param(
            "we stopped the run although the loss was still decreasing",
            {"epochs": "few", "loss_trend": "decreasing"},
            id="stopped-although-decreasing",
        ),
        pytest.param(
            "after 3 epochs validation accuracy is poor; the loss was still falling when it ended",
            {"epochs": "few", "loss_trend": "decreasing"},
            id="after-3-epochs-still-falling",
        ),
        pytest.param(
            "the loss is nan after 3 epochs",
            {"loss_trend": "nan", "nan_onset": "later"},
            id="nan-after-3-epochs-says-nothing-of-length",
        ),
    ],
)
def test_a_run_cut_short_is_read(
    reader: TextReader, text: str, expected: dict[FactId, Value]
) -> None:
    assert reader.read(text).facts == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "my PyTorch port is stuck, the Keras version trains fine on the same data",
            {"other_framework_trains": "yes"},
            id="keras-version-trains",
        ),
        pytest.param(
            "the TF and JAX implementations converge, mine does not",
            {"other_framework_trains": "yes"},
            id="tf-and-jax-implementations",
        ),
        pytest.param(
            "exactly the same network learns well with tensorflow",
            {"other_framework_trains": "yes"},
            id="learns-with-tensorflow",
        ),
        pytest.param(
            "I converted a TensorFlow model into pytorch and accuracy dropped",
            {"other_framework_trains": "yes"},
            id="converted-to-pytorch",
        ),
        pytest.param(
            "re-implemented the paper's model from the Chainer code",
            {"other_framework_trains": "yes"},
            id="reimplemented-from-chainer",
        ),
        pytest.param(
            "the keras version does not converge either",
            {},
            id="keras-version-fails-too",
        ),
        pytest.param(
            "I train with keras and the loss is flat",
            {},
            id="training-with-keras-is-no-port",
        ),
        pytest.param(
            "it works fine with tf.data pipelines",
            {},
            id="tf-data-is-no-framework",
        ),
        pytest.param(
            "I use keras and the model trains fine but val accuracy is low",
            {},
            id="a-keras-user-is-no-port",
        ),
    ],
)
def test_a_working_version_in_another_framework_is_read(
    reader: TextReader, text: str, expected: dict[FactId, Value]
) -> None:
    facts = reader.read(text).facts

    assert {f: v for f, v in facts.items() if f == "other_framework_trains"} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "the model trains on a few of my sensors but on the other ones the loss is flat",
            {"some_datasets_fail": "yes"},
            id="some-sensors-not-the-others",
        ),
        pytest.param(
            "accuracy is fine for most patients, for the rest it is at chance",
            {"some_datasets_fail": "yes"},
            id="most-patients-not-the-rest",
        ),
        pytest.param(
            "whether it converges depends on which file I load",
            {"some_datasets_fail": "yes"},
            id="depends-on-the-file",
        ),
        pytest.param(
            "the results are very subject-dependent",
            {"some_datasets_fail": "yes"},
            id="subject-dependent",
        ),
        pytest.param(
            "on some images it is right, on others it is wrong",
            {},
            id="single-examples-vary-normally",
        ),
        pytest.param(
            "it does not depend on the dataset, every one of them fails",
            {},
            id="negated",
        ),
    ],
)
def test_a_failure_on_some_datasets_only_is_read(
    reader: TextReader, text: str, expected: dict[FactId, Value]
) -> None:
    facts = reader.read(text).facts

    assert {f: v for f, v in facts.items() if f == "some_datasets_fail"} == expected
