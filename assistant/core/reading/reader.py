"""The reader: what the user types, as facts for the knowledge base, with where each came from.

Readers by concern, most trusted first:

0. pasted error messages and code (:mod:`assistant.core.reading.errors`,
   :mod:`assistant.core.reading.code`), each fact with the line it came from;
1. the knowledge base's phrases (:mod:`assistant.core.reading.words`), with negation and one
   use per word;
2. numbers read in context (:mod:`assistant.core.reading.numbers`);
3. where both find nothing, the text model (:mod:`assistant.core.reading.model`): its
   confident guesses become facts, its middling ones come back as ``unsure`` candidates, so
   the engine asks instead of guessing.

When a question is pending, a short answer is read as an answer to it
(:mod:`assistant.core.reading.answers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.core.reading.answers import Answers
from assistant.core.reading.bounds import Cut, bounded, clean, has_content, long_paste_note
from assistant.core.reading.code import read_code
from assistant.core.reading.errors import read_errors
from assistant.core.reading.model import NONE_LABEL, PHRASINGS, text_model
from assistant.core.reading.numbers import (
    LOSS_VALUE,
    chance_class_count,
    context_of,
    number_evidence,
    quotes_scores,
    read_numbers,
)
from assistant.core.reading.words import Phrases, match_phrases, quoted
from knowledge.loader import KnowledgeBase
from knowledge.types import FactId, Value

SURE_AT = 0.5
"""The text model's probability from which a guess counts as a fact."""
ASK_AT = 0.15
"""The text model's probability from which a guess is offered for confirmation."""
MAX_CANDIDATES = 4
SURE_MARGIN = 0.2
"""How far a guess must lead the next one to count as a fact: two close readings of the same
words are asked about, never picked silently."""

_BARE_NUMBER = re.compile(r"\d*\.\d+")


@dataclass(frozen=True)
class Reading:
    facts: dict[FactId, Value] = field(default_factory=dict)
    """Facts the text states clearly."""
    unsure: list[tuple[FactId, Value]] = field(default_factory=list)
    """Readings that need the user's confirmation, best first."""
    # Evidence and notes say how a reading came about, not what it is: two readings of the
    # same facts are equal however they were found.
    evidence: dict[FactId, str] = field(default_factory=dict, compare=False)
    """For each fact, where it came from: the words, or the line of code or of the error."""
    notes: list[str] = field(default_factory=list, compare=False)
    """What the reader wants the user to know about the reading (a paste cut short)."""

    @property
    def empty(self) -> bool:
        return not self.facts and not self.unsure


class Pasted(Protocol):
    """What a reader of pasted material (code, error messages) finds: the shape of
    ``CodeReading`` and ``ErrorReading``."""

    @property
    def facts(self) -> dict[FactId, Value]: ...
    @property
    def evidence(self) -> dict[FactId, str]: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def cut(self) -> Cut | None: ...


PasteReader = Callable[[str], Pasted]
"""Reads pasted material in a message, such as ``read_code`` or ``read_errors``."""

PASTE_READERS: tuple[PasteReader, ...] = (read_errors, read_code)
"""The readers of pasted material every message goes through: error messages first (what
happened when it ran), then code (what it says it does)."""


class TextReader:
    def __init__(
        self,
        kb: KnowledgeBase,
        phrasings: Path = PHRASINGS,
        pasted: Sequence[PasteReader] = PASTE_READERS,
    ) -> None:
        self.kb = kb
        self.phrasings = phrasings
        self.pasted = tuple(pasted)
        """Readers of pasted code and errors, most trusted first: their facts come from an
        exact line, so they beat what the words say."""
        self._phrases = Phrases.compile(kb.phrases)
        self._answers = Answers(kb)

    def read(
        self,
        text: str,
        expecting: FactId | None = None,
        known: Mapping[FactId, Value] | None = None,
    ) -> Reading:
        """What ``text`` says, as facts and candidates for the knowledge base's facts.

        ``expecting`` is the fact of the pending question: a short answer is read against
        it. ``known`` holds facts already established (the optimizer, the task), which
        change how numbers read. Of a long text only its start and its end are read
        (:func:`bounded`).
        """
        pasted = [read(text) for read in self.pasted]
        text = bounded(text)
        cleaned = clean(text)
        if not has_content(cleaned):
            return Reading()
        reading = self._with_pasted(self._read_free(text, cleaned, known or {}), pasted)
        if expecting is None or expecting not in self.kb.facts or expecting in reading.facts:
            return reading
        return self._read_answer(cleaned, expecting, reading, known or {})

    # -- free text ----------------------------------------------------------------------

    def _read_free(self, text: str, cleaned: str, known: Mapping[FactId, Value]) -> Reading:
        phrases = match_phrases(self._phrases, cleaned)
        context = context_of(cleaned, phrases.facts, known)
        precise, fallback = read_numbers(cleaned, context)
        facts = {**phrases.facts, **precise}
        for fact, value in fallback.items():
            facts.setdefault(fact, value)
        if phrases.facts.get("label_pairing") == "off_by_rows":
            # "evaluate() says 92% but my own predictions score at chance": two evaluations
            # of one model disagree, so neither figure is the model's level
            facts.pop("accuracy_level", None)
        # a lone "0.693" is almost always a loss quoted at ln 2
        lone = cleaned.strip()
        if not facts and _BARE_NUMBER.fullmatch(lone) and chance_class_count(float(lone), context):
            facts["loss_at_chance"] = "yes"
        facts = self._valid(facts)
        if facts or phrases.negated or LOSS_VALUE.search(cleaned) or quotes_scores(cleaned):
            # understood, just not worth a fact ("the loss is not nan", "the loss is 3.1",
            # "train 95%, val 87%"): the text model would miss the "not" or the numbers
            evidence = {
                fact: self._evidence(cleaned, fact, precise, phrases.evidence) for fact in facts
            }
            return Reading(facts=facts, evidence=evidence)
        return self._guess(text)

    def _with_pasted(self, reading: Reading, pasted: Sequence[Pasted]) -> Reading:
        """``reading`` with what the pasted code and errors say: their facts win over the
        words', and any of them settles what the words left unsure."""
        facts: dict[FactId, Value] = {}
        evidence: dict[FactId, str] = {}
        notes: list[str] = []
        cuts: list[Cut] = []
        for found in pasted:
            for fact, value in self._valid(found.facts).items():
                if fact not in facts:
                    facts[fact] = value
                    evidence[fact] = found.evidence.get(fact, "")
            # each reader's own long-paste note gives way to one that says what all read
            own = long_paste_note([found.cut]) if found.cut else None
            notes += [note for note in found.notes if note not in notes and note != own]
            cuts += [found.cut] if found.cut else []
        if cuts:
            notes.insert(0, long_paste_note(cuts))
        if not facts and not notes:
            return reading
        return Reading(
            facts={**reading.facts, **facts},
            unsure=[] if facts else reading.unsure,
            evidence={**reading.evidence, **evidence},
            notes=[*reading.notes, *notes],
        )

    def _evidence(
        self,
        cleaned: str,
        fact: FactId,
        precise: Mapping[FactId, Value],
        phrased: Mapping[FactId, str],
    ) -> str:
        if fact in phrased and fact not in precise:
            return phrased[fact]
        words = number_evidence(cleaned, fact)
        return quoted(words) if words else quoted(cleaned)

    def _valid(self, facts: Mapping[FactId, Value]) -> dict[FactId, Value]:
        """Only facts and values this knowledge base has (tests use smaller ones)."""
        return {
            fact: value
            for fact, value in facts.items()
            if fact in self.kb.facts and value in self.kb.facts[fact].values
        }

    def _guess(self, text: str) -> Reading:
        ranked = text_model(self.phrasings).guess(text)
        guesses = [
            (fact, value, p)
            for label, p in ranked
            if label != NONE_LABEL
            for fact, _, value in [label.partition("=")]
            if fact in self.kb.facts and value in self.kb.facts[fact].values
        ]
        if not guesses or ranked[0][0] == NONE_LABEL:
            return Reading()
        fact, value, p = guesses[0]
        runner_up = guesses[1][2] if len(guesses) > 1 else 0.0
        if p >= SURE_AT and p - runner_up >= SURE_MARGIN:
            return Reading(facts={fact: value}, evidence={fact: quoted(clean(text))})
        unsure = [(f, v) for f, v, q in guesses[:MAX_CANDIDATES] if q >= ASK_AT]
        return Reading(unsure=unsure)

    # -- answers to the pending question -------------------------------------------------

    def _read_answer(
        self, cleaned: str, fact: FactId, reading: Reading, known: Mapping[FactId, Value]
    ) -> Reading:
        offered = [value for f, value in reading.unsure if f == fact]
        values, by_number = self._answers.values(cleaned, fact, offered, known)
        if not values:
            return reading
        # "relu" read freely is a hidden activation; as the answer about the output layer
        # it is that instead, so the free reading of the same words is dropped
        kept = reading.facts if by_number else {}
        evidence = {f: e for f, e in reading.evidence.items() if f in kept}
        evidence[fact] = quoted(cleaned)
        if len(values) == 1:
            return Reading(facts={**kept, fact: values[0]}, evidence=evidence)
        return Reading(
            facts=dict(kept), unsure=[(fact, value) for value in values], evidence=evidence
        )
