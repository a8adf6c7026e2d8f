"""Phrases: negation, and the prefilter that runs a phrase only where it can match."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

import pytest
import yaml

from assistant.core.reading.bounds import clean
from assistant.core.reading.model import load_phrasings
from assistant.core.reading.words import Phrases, match_phrases, needed_words, negated
from knowledge.loader import KnowledgeBase
from knowledge.schema import Phrase
from tests.assistant.reading.cases import (
    COMPLAINTS,
    NEGATIONS_AND_TRAPS,
    NUMBERS,
    STORIES,
    TRACEBACKS,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the loss is not nan", True),
        ("no, the loss is nan", False),
        ("I have no idea why the loss is nan", False),
    ],
    ids=["not", "no-then-comma", "far-away"],
)
def test_negation_looks_a_few_words_back_in_the_clause(text: str, expected: bool) -> None:
    cleaned = clean(text)
    assert negated(cleaned, cleaned.rindex("nan")) is expected


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("nan", (("nan",),)),
        (r"(?:the )?cat", (("cat",),)),
        (r"(?!not )nan", (("nan",),)),
        (r"(?<=very )high", (("high",), ("very ",))),
        (
            r"\b(loss|losses|cost)\b.{0,40}?(?P<cue>explod\w*|blows? up)",
            (("blow", "explod"), ("cost", "loss")),
        ),
        (r"a|\d+", ()),
        (r"(?:ab)*", ()),
        (r"[xy]z", (("z",),)),
    ],
    ids=[
        "literal",
        "optional",
        "negative-lookahead",
        "lookbehind",
        "alternatives",
        "open",
        "star",
        "class",
    ],
)
def test_needed_words(pattern: str, needs: tuple[tuple[str, ...], ...]) -> None:
    assert needed_words(pattern) == needs


def _texts() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"]
    cases = COMPLAINTS + NEGATIONS_AND_TRAPS + NUMBERS + TRACEBACKS
    return (
        [str(story["say"]) for story in stories]
        + [str(param.values[0]) for param in cases]  # type: ignore[attr-defined]
        + [sentence for sentence, _ in load_phrasings()]
    )


def test_the_prefilter_never_skips_a_phrase_that_matches(kb: KnowledgeBase) -> None:
    book = Phrases.compile(kb.phrases)
    every = replace(book, entries=tuple(replace(entry, needs=()) for entry in book.entries))
    for text in _texts():
        for variant in (text, text.upper()):
            cleaned = clean(variant)
            assert match_phrases(book, cleaned) == match_phrases(every, cleaned), variant


def test_letters_ignorecase_takes_for_ascii_ones_still_match() -> None:
    # "\u212a" (the Kelvin sign) matches "k", "\u017f" (long s) matches "s", and so on
    ascii_letter = re.compile("[a-z]", re.IGNORECASE)
    odd = [chr(c) for c in range(128, sys.maxunicode + 1) if ascii_letter.fullmatch(chr(c))]
    assert odd
    book = Phrases.compile([Phrase(pattern="kiss", sets={"x": "y"})])
    for letter in odd:
        text = "".join(letter if re.fullmatch(c, letter, re.I) else c for c in "kiss")
        assert text != "kiss"
        assert match_phrases(book, text).facts == {"x": "y"}, ascii(letter)
