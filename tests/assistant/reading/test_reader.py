"""The reader as a whole: what users type, read into facts, candidates or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.core.engine import CLARIFY_QUESTION, REPHRASE, Engine
from assistant.core.reading import Reading, TextReader
from assistant.core.reading.bounds import Cut, long_paste_note
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


@dataclass(frozen=True)
class FakePaste:
    facts: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cut: Cut | None = None


def test_pasted_code_and_errors_join_the_words_and_win(kb: KnowledgeBase) -> None:
    def code(text: str) -> FakePaste:
        return FakePaste(
            facts={"output_activation": "softmax", "no_such_fact": "x"},
            evidence={"output_activation": "line 3: nn.Softmax(dim=1)"},
            notes=["Read 3 lines of Python."],
        )

    reader = TextReader(kb, pasted=[code])
    reading = reader.read("sigmoid on the output and the loss is nan")
    assert reading == Reading(facts={"output_activation": "softmax", "loss_trend": "nan"})
    assert reading.evidence == {
        "output_activation": "line 3: nn.Softmax(dim=1)",
        "loss_trend": 'you wrote "nan"',
    }
    assert reading.notes == ["Read 3 lines of Python."]


def test_without_pasted_facts_the_words_stand(kb: KnowledgeBase) -> None:
    reader = TextReader(kb, pasted=[lambda text: FakePaste()])
    assert reader.read("sigmoid") == TextReader(kb).read("sigmoid")


def test_the_readers_notes_reach_the_user_first(kb: KnowledgeBase) -> None:
    def code(text: str) -> FakePaste:
        return FakePaste(notes=["The paste is long: I read its first 5,000 lines."])

    engine = Engine(kb, reader=TextReader(kb, pasted=[code]))
    note = Text(text="The paste is long: I read its first 5,000 lines.", tone="notice")
    assert Session(engine).send("asdf qwer") == [note, Text(text=REPHRASE, tone="notice")]
    assert Session(engine).send("the loss is nan")[0] == note


def test_a_pasted_error_is_read_with_its_line(reader: TextReader) -> None:
    reading = reader.read("it crashes:\nRuntimeError: Target 10 is out of bounds")
    assert reading.facts["crash"] == "index_out_of_bounds"
    assert reading.evidence["crash"].startswith("line 2: ")


def test_a_paste_cut_short_by_several_readers_gets_one_note(kb: KnowledgeBase) -> None:
    def reader_of(what: str, other_note: str) -> Callable[[str], FakePaste]:
        def read(text: str) -> FakePaste:
            cut = Cut(read=what, chars=len(text), lines=text.count("\n") + 1)
            return FakePaste(notes=[long_paste_note([cut]), other_note], cut=cut)

        return read

    reader = TextReader(
        kb,
        pasted=[
            reader_of("error messages in its first 10 characters", "Errors read."),
            reader_of("code in its first 2 lines", "Code read."),
        ],
    )
    reading = reader.read("the loss is nan\n" * 3)
    assert reading.notes == [
        "The paste is long (4 lines, 48 characters), so I read part of it: error messages in "
        "its first 10 characters, and code in its first 2 lines. If what matters is elsewhere "
        "in it, paste that part on its own.",
        "Errors read.",
        "Code read.",
    ]
