"""What part of a message is read, how it is cleaned, and that reading time is bounded."""

from __future__ import annotations

import pytest

from assistant.core.reading import TextReader, text_model
from assistant.core.reading.bounds import bounded, clean
from assistant.core.reading.model import PHRASINGS
from tests.assistant.reading.cases import (
    HOSTILE,
    SAFE_SECONDS,
    pasted_traceback,
    seconds,
)


def test_cleaning_marks_clauses_and_sentences() -> None:
    assert clean("Loss is 0.69. It doesn't move, but acc is fine") == (
        "Loss is 0.69\n It doesnt move |   | but acc is fine"
    )


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_messages_are_read_quickly(reader: TextReader, text: str) -> None:
    text_model(PHRASINGS)  # trained at first use, not part of reading
    assert seconds(lambda: reader.read(text)) < SAFE_SECONDS
    assert seconds(lambda: reader.read(text, expecting="dataset_size")) < SAFE_SECONDS


def test_a_20kb_traceback_is_read_quickly_and_its_error_is_kept(reader: TextReader) -> None:
    text = pasted_traceback(20_000)
    assert len(text) > 20_000
    text_model(PHRASINGS)
    elapsed = seconds(lambda: reader.read(text))
    assert elapsed < SAFE_SECONDS
    assert reader.read(text).facts["crash"] == "out_of_memory"


def test_a_long_message_keeps_its_start_and_its_end() -> None:
    text = "my loss is nan\n" + "x = 1\n" * 5000 + "CUDA out of memory\n"
    kept = bounded(text)
    assert len(kept) < 8100
    assert kept.startswith("my loss is nan\n")
    assert kept.endswith("CUDA out of memory\n")


def test_a_typical_message_is_kept_whole() -> None:
    text = "Training a small CNN on 180 chest X-rays.\nTrain accuracy hits 100%."
    assert bounded(text) == text


def test_long_lines_and_words_are_cut() -> None:
    assert bounded("a" * 5000) == "a" * 100
    assert bounded("loss " + "y " * 3000) == "loss " + "y " * 997 + "y"
