"""Short replies read as the answer to the pending question."""

from __future__ import annotations

import pytest

from assistant.core.reading import Reading, TextReader


@pytest.mark.parametrize(
    ("text", "expecting", "facts"),
    [
        pytest.param("adam", "optimizer", {"optimizer": "adam"}, id="adam"),
        pytest.param("1e-3", "learning_rate", {"learning_rate": "normal"}, id="lr-1e-3"),
        pytest.param("0.1", "learning_rate", {"learning_rate": "high"}, id="lr-0.1-unknown-opt"),
        pytest.param("pretty high", "learning_rate", {"learning_rate": "high"}, id="lr-in-words"),
        pytest.param("10", "epochs", {"epochs": "some"}, id="epochs-10"),
        pytest.param("about 5000 steps", "epochs", {"epochs": "some"}, id="steps"),
        pytest.param("yep", "mixed_precision", {"mixed_precision": "yes"}, id="yep"),
        pytest.param("no, I don't", "inputs_normalised", {"inputs_normalised": "no"}, id="no"),
        pytest.param("nope", "crash", {"crash": "none"}, id="no-error"),
        pytest.param("yes", "mode_switching", {"mode_switching": "correct"}, id="yes-both"),
        pytest.param("mse", "loss_function", {"loss_function": "mse"}, id="mse"),
        pytest.param("relu", "output_activation", {"output_activation": "relu"}, id="relu-out"),
        pytest.param("sigmoid", "output_activation", {"output_activation": "sigmoid"}, id="sig"),
        pytest.param("tanh", "hidden_activation", {"hidden_activation": "sigmoid_tanh"}, id="tanh"),
        pytest.param("5k", "dataset_size", {"dataset_size": "small"}, id="5k"),
        pytest.param("95%", "class_balance", {"class_balance": "severe"}, id="share"),
        pytest.param("90/10", "class_balance", {"class_balance": "imbalanced"}, id="ratio"),
        pytest.param("12", "depth", {"depth": "deep"}, id="layers"),
        pytest.param(
            "0.001, and I use relu",
            "learning_rate",
            {"learning_rate": "normal", "hidden_activation": "relu"},
            id="answer-and-more",
        ),
    ],
)
def test_short_answers_to_the_pending_question(
    reader: TextReader, text: str, expecting: str, facts: dict[str, str]
) -> None:
    assert reader.read(text, expecting=expecting) == Reading(facts=facts)
