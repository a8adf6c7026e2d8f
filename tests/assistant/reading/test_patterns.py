"""Patterns run only where they can match: what a match starts with, and that a sifted
pattern finds (and replaces) exactly what the pattern does."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from assistant.core.reading import bounds, code, numbers
from assistant.core.reading.bounds import clean
from assistant.core.reading.model import load_phrasings
from assistant.core.reading.patterns import Sifted, fold, leads
from benchmarks.reading import message, training_script
from tests.assistant.reading.cases import (
    COMPLAINTS,
    NEGATIONS_AND_TRAPS,
    NUMBERS,
    STORIES,
    TRACEBACKS,
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("loss|cost", ("cost", "loss")),
        (r"(?<!val )\bloss\b", ("loss",)),
        (r"(?:val\w*\s*)?acc", ("acc", "val")),
        (r"[-+]?+(?>\d+)", ("+", "-", *"0123456789")),
        (r"\bla?b", ("la", "lb")),
        (r"(a|b)c", ("ac", "bc")),
        (r"x{0}y", ("y",)),
        ("LR", ("lr",)),
        (r"[a-e][0-9][xyz]", tuple("abcde")),  # 150 spelled out, 50 of two: cut to one
    ],
    ids=[
        "alternatives",
        "lookbehind-and-anchor",
        "optional-start",
        "number",
        "optional-letter",
        "group-then-literal",
        "none-of",
        "upper-case",
        "cut-short",
    ],
)
def test_leads_are_what_every_match_starts_with(pattern: str, expected: tuple[str, ...]) -> None:
    assert leads(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [r"a*", r".oss", r"[^a]oss", r"(a)?\1", "\u212aiss", r"\w+"],
    ids=["may-be-empty", "any", "negated", "reference", "non-ascii", "too-many"],
)
def test_a_pattern_that_may_start_anywhere_has_no_leads(pattern: str) -> None:
    assert leads(pattern) is None


def test_in_a_text_with_other_characters_the_pattern_runs_as_it_is() -> None:
    # IGNORECASE takes the Kelvin sign for a "k": no lead "kiss" stands in the text
    sifted = Sifted(r"\bkiss\w*", re.IGNORECASE)
    assert [m.group() for m in sifted.finditer("a \u212aisses b kiss")] == ["\u212aisses", "kiss"]


_TRICKY = [
    "lr=0.01, LR 1e-3, learning rate of .5 and 3e-4 as the lr",
    "Loss: 2.30 -> 0.69, val_loss 1.5, COST 1e5; the loss\nis 0.5",
    "train 99% val 55%, 99% on train and 55% on the test set, val_acc 0.91, acc: 401 / 4200",
    "-5 classes, ten classes, 10-way, 1.2.3, x.5, 12345678901234567890.5e+3",
    "stuck at\n0.69, plateaus around ~2.3, sits at 0.693; hovers near 4.6",
    "(64, 1) vs (64,), torch.Size([32, 1]) and [32]; 80/20 split, 9:1, 3x more",
    "dropout 0.5, Dropout(p=50%), weight_decay=1e-2, AdamW, adam_w, roc auc 0.5",
    "20 epochs, 3k steps, after 200 epochs, 50000 images, 500 samples per class",
]


def _texts() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"]
    cases = COMPLAINTS + NEGATIONS_AND_TRAPS + NUMBERS + TRACEBACKS
    return (
        _TRICKY
        + [str(story["say"]) for story in stories]
        + [str(param.values[0]) for param in cases]  # type: ignore[attr-defined]
        + [sentence for sentence, _ in load_phrasings()]
        + [message(), training_script(200)]
    )


def _sifted() -> list[tuple[str, Sifted]]:
    return [
        (f"{module.__name__.rsplit('.', 1)[-1]}.{name}", value)
        for module in (bounds, numbers, code)
        for name, value in vars(module).items()
        if isinstance(value, Sifted)
    ]


def _found(matches: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in matches]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "sifted"), _sifted(), ids=[name for name, _ in _sifted()])
def test_a_sifted_pattern_finds_what_the_pattern_finds(name: str, sifted: Sifted) -> None:
    # the reference runs the pattern as written over the whole text
    written = re.compile(sifted.source, sifted.flags)
    for text in _texts():
        # cleaned as the phrases read it, upper-cased, one word a line, and with a character
        # that is not ASCII (the pattern then runs as it is)
        for variant in (text, clean(text), text.upper(), text.replace(" ", "\n"), "é " + text):
            assert _found(sifted.finditer(variant)) == _found(written.finditer(variant)), variant
            first = sifted.search(variant)
            expected = written.search(variant)
            assert (first and first.span()) == (expected and expected.span()), variant
            assert sifted.sub(r"<\g<0>>", variant) == written.sub(r"<\g<0>>", variant)
            assert sifted.sub(_bracket, variant) == written.sub(_bracket, variant)


def _bracket(match: re.Match[str]) -> str:
    return f"[{match.group()}]"


def test_the_clauses_that_name_classes_are_those_a_clause_by_clause_search_finds() -> None:
    written = re.compile(numbers._CLASS_WORDS.source, numbers._CLASS_WORDS.flags)
    for text in [*_texts(), "90% of the samples are class 0 | the rest| labels\n1:9 ratio"]:
        cleaned = clean(text)
        clauses = re.split(r"[|\n]", cleaned)
        starts = [sum(len(c) + 1 for c in clauses[:index]) for index in range(len(clauses))]
        expected = {index for index, clause in enumerate(clauses) if written.search(clause)}
        assert numbers._clauses_with(numbers._CLASS_WORDS, cleaned, starts) == expected, text


def test_folding_keeps_every_character_one_character() -> None:
    # positions in the folded text are positions in the text
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert len(fold(every)) == len(every)
    assert fold("\u212aISS \u0130t") == "kiss it"
