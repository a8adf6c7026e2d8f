"""Phrases: negation, and the prefilter that runs a phrase only where it can match."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

import pytest
import yaml

from assistant.core.reading.bounds import clean
from assistant.core.reading.model import load_phrasings
from assistant.core.reading.patterns import guarded, needed_words, stays_in_line
from assistant.core.reading.words import Phrases, match_phrases, negated
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
    # the reference runs each phrase as written over the whole text: no needed words, no
    # line by line, no lookahead in front, no leads
    book = Phrases.compile(kb.phrases)
    every = replace(
        book,
        entries=tuple(
            replace(
                entry,
                pattern=re.compile(phrase.pattern, re.IGNORECASE),
                needs=(),
                in_line=False,
                leads=None,
            )
            for entry, phrase in zip(book.entries, kb.phrases, strict=True)
        ),
    )
    texts = _texts()
    # several texts in one message: phrases run line by line must find what runs on the whole
    messages = ["\n".join(texts[at : at + 7]) for at in range(0, len(texts), 7)]
    for text in texts + messages:
        # one word a line: phrases that may take in a line break find theirs across lines
        for variant in (text, text.upper(), text.replace(" ", "\n")):
            cleaned = clean(variant)
            assert match_phrases(book, cleaned) == match_phrases(every, cleaned), variant


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"loss\b[^|\n]{0,40}?\bnan", True),
        (r"loss.{0,40}nan", True),  # "." is not a line break without DOTALL
        (r"(?<!val )\bloss\w*(?=[^|\n]{0,9}up)", True),
        (r"loss\s+nan", False),
        (r"loss[^|]{0,40}nan", False),
        (r"loss\W+nan", False),
        (r"(?s:loss.nan)", False),
        (r"^loss", False),
        (r"loss$", False),
        (r"(a)\1", False),
    ],
)
def test_stays_in_line(pattern: str, expected: bool) -> None:
    assert stays_in_line(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "guard"),
    [
        ("(?P<cue>nan|inf)", "[\\U0000006e\\U00000069]"),
        (r"\b(almost )?same", "[\\U00000061\\U00000073]"),
        (r"(?<!val )[a-c\d]x", "[\\U00000061-\\U00000063\\d]"),
    ],
)
def test_a_phrase_is_guarded_by_the_characters_it_can_start_with(pattern: str, guard: str) -> None:
    assert guarded(pattern) == f"(?={guard})(?:{pattern})"


@pytest.mark.parametrize("pattern", [r"(almost )?", r".oss", r"[^a]oss", r"(a)?\1"])
def test_a_phrase_that_may_start_anywhere_is_not_guarded(pattern: str) -> None:
    assert guarded(pattern) == pattern


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
