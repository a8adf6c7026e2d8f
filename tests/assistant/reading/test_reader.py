"""The reader as a whole: what users type, read into facts, candidates or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.engine import CLARIFY_QUESTION, REPHRASE, Engine
from assistant.core.reading import Reading, TextReader
from assistant.core.replies import Question, Text
from assistant.core.session import Session
from knowledge import load
from knowledge.loader import KnowledgeBase
from tests.assistant.reading.cases import (
    COMPLAINTS,
    NEGATIONS_AND_TRAPS,
    TRACEBACKS,
)


@pytest.mark.parametrize(("text", "facts"), COMPLAINTS)
def test_complaints(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(("text", "facts"), NEGATIONS_AND_TRAPS)
def test_negations_and_single_words_do_not_mislead(
    reader: TextReader, text: str, facts: dict[str, str]
) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(("text", "facts"), TRACEBACKS)
def test_pasted_tracebacks(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(
    ("text", "unsure"),
    [
        pytest.param(
            "sigmoid",
            [("output_activation", "sigmoid"), ("hidden_activation", "sigmoid_tanh")],
            id="sigmoid-where",
        ),
        pytest.param(
            "my model is not learning",
            [("loss_trend", "flat"), ("loss_trend", "slow")],
            id="not-learning",
        ),
    ],
)
def test_ambiguous_text_gives_candidates(
    reader: TextReader, text: str, unsure: list[tuple[str, str]]
) -> None:
    assert reader.read(text) == Reading(unsure=unsure)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "???", "asdf qwer", "hello", "thanks!", "it's bad", "weird loss", "\n\n"],
    ids=[
        "empty",
        "spaces",
        "punctuation",
        "gibberish",
        "hello",
        "thanks",
        "bad",
        "weird",
        "newlines",
    ],
)
def test_vague_or_meaningless_text_gives_nothing(reader: TextReader, text: str) -> None:
    assert reader.read(text).empty


def test_a_smaller_knowledge_base_only_gets_its_own_facts(kb_dir: Path) -> None:
    small = TextReader(load(kb_dir))
    # its phrases do not know "adam", so 0.1 reads as high rather than very high
    assert small.read("I use Adam with lr 0.1, the loss is nan") == Reading(
        facts={"loss_trend": "nan", "learning_rate": "high"}
    )
    assert small.read("asdf qwer").empty


def test_session_notes_the_nan_from_a_complaint(kb: KnowledgeBase) -> None:
    replies = Session(Engine(kb)).send("my loss is nan after 3 epochs")
    nan, later = kb.facts["loss_trend"].labels["nan"], kb.facts["nan_onset"].labels["later"]
    assert replies[0] == Text(text=f"Noted: {nan}; {later}.")


def test_session_asks_which_reading_was_meant(kb: KnowledgeBase) -> None:
    (question,) = Session(Engine(kb)).send("sigmoid")
    assert isinstance(question, Question) and question.id == CLARIFY_QUESTION
    assert [o.value for o in question.choices] == [
        "output_activation=sigmoid",
        "hidden_activation=sigmoid_tanh",
        "none",
    ]


def test_session_asks_to_rephrase_what_it_cannot_read(kb: KnowledgeBase) -> None:
    assert Session(Engine(kb)).send("it's bad") == [Text(text=REPHRASE, tone="notice")]
