"""Phrases: the knowledge base's regular expressions for what users say, with negation and
one use per word."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from assistant.core.reading.patterns import (
    fold,
    guarded,
    lead_places,
    matches_at,
    needed_words,
    rare_leads,
    stays_in_line,
)
from knowledge.schema import Phrase
from knowledge.types import FactId, Value

NEGATION_WINDOW = 4
"""How many words before a phrase's cue are searched for a negation."""
LOOK_BACK_CHARS = 200
"""How far before a phrase or number the words that qualify it are looked for."""

_NEGATION = re.compile(
    r"\b(?:not|no|never|without|nor|none|nothing|neither|cannot|dont|doesnt|didnt|isnt|"
    r"wasnt|arent|werent|havent|hasnt|hadnt|cant|wont|couldnt|shouldnt|wouldnt)\b",
    re.IGNORECASE,
)


def negated(text: str, start: int) -> bool:
    """Whether a negation comes shortly before ``start``, in the same clause.

    Only ``LOOK_BACK_CHARS`` before ``start`` are searched, so that a long text with many
    matches is not split again for each of them.
    """
    reach = max(0, start - LOOK_BACK_CHARS)
    clause_start = max(text.rfind("|", reach, start), text.rfind("\n", reach, start)) + 1
    words = text[max(clause_start, reach) : start].split()
    if clause_start <= reach < start and _cuts_a_word(text, reach, "|"):
        words = words[1:]
    return bool(_NEGATION.search(" ".join(words[-NEGATION_WINDOW:])))


def _cuts_a_word(text: str, at: int, separators: str) -> bool:
    """Whether position ``at`` falls inside a word (whitespace and ``separators`` end words)."""
    if at == 0:
        return False
    before, after = text[at - 1], text[at]
    return not (before.isspace() or after.isspace() or before in separators)


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern[str]
    sets: Mapping[FactId, Value]
    needs: tuple[int, ...]
    """What a text must hold for ``pattern`` to match (:func:`needed_words`): for each group
    of words, a mask of their bits in :attr:`Phrases.words`."""
    in_line: bool
    """No match takes in a line break (:func:`stays_in_line`): only the lines that hold
    :attr:`needs` are searched, rather than the whole text."""
    leads: tuple[str, ...] | None
    """What every match starts with (:func:`rare_leads`): in an ASCII text the pattern is
    tried only where one of them stands, where there are few such places."""


_KEY = 3
"""Needed words are looked up by their first three characters."""


@dataclass(frozen=True)
class Phrases:
    """The knowledge base's phrases, compiled, with the words their matches need."""

    entries: tuple[_Phrase, ...]
    words: tuple[str, ...]
    """Every word some phrase needs, each looked for once per text."""
    by_key: Mapping[str, tuple[tuple[str, int, frozenset[str]], ...]]
    """The words at least ``_KEY`` long, with their bits and their other runs of ``_KEY``
    characters, by their first ``_KEY`` characters."""
    short: tuple[tuple[str, int], ...]
    """The shorter words, with their bits."""

    @classmethod
    def compile(cls, phrases: Iterable[Phrase]) -> Phrases:
        phrases = list(phrases)
        needs = [needed_words(phrase.pattern) for phrase in phrases]
        words = tuple(sorted({word for groups in needs for group in groups for word in group}))
        bit = {word: 1 << index for index, word in enumerate(words)}
        by_key: dict[str, list[tuple[str, int, frozenset[str]]]] = {}
        for word in words:
            if len(word) >= _KEY:
                rest = frozenset(_keys(word)) - {word[:_KEY]}
                by_key.setdefault(word[:_KEY], []).append((word, bit[word], rest))
        entries = tuple(
            _Phrase(
                re.compile(guarded(phrase.pattern), re.IGNORECASE),
                phrase.sets,
                tuple(sum(bit[word] for word in group) for group in groups),
                stays_in_line(phrase.pattern),
                rare_leads(phrase.pattern),
            )
            for phrase, groups in zip(phrases, needs, strict=True)
        )
        return cls(
            entries=entries,
            words=words,
            by_key={key: tuple(found) for key, found in by_key.items()},
            short=tuple((word, bit[word]) for word in words if len(word) < _KEY),
        )

    def candidates(
        self, text: str, folded: str | None = None
    ) -> Iterator[tuple[_Phrase, list[tuple[int, int]]]]:
        """The phrases that may match ``text``, in order, each with the spans of ``text`` to
        search: the lines that hold its needs (next ones joined), or the whole text.
        ``folded`` is :func:`fold` of ``text``, where the caller has it.

        Running a pattern costs in proportion to the text it is run over, and a message of
        a few thousand characters has dozens of lines: most patterns can only match in one
        or two of them.
        """
        folded = fold(text) if folded is None else folded
        found = {
            bit: (word, at) for word, bit in self._maybe(folded) if (at := folded.find(word)) >= 0
        }
        present = 0
        for bit in found:
            present |= bit
        whole = [(0, len(text))]
        lines: _Lines | None = None
        for entry in self.entries:
            for group in entry.needs:  # a loop, not all(): this runs for every phrase
                if not present & group:
                    break
            else:
                if not entry.in_line:
                    yield entry, whole
                    continue
                lines = lines or _Lines(text, folded, found)
                held = lines.everywhere
                for group in entry.needs:
                    held &= lines.holding(group)
                    if not held:
                        break
                if held:
                    yield entry, _runs(held, lines.spans)

    def _maybe(self, folded: str) -> Iterator[tuple[str, int]]:
        """The needed words that ``folded`` may hold, with their bits: the short ones, and
        the others whose every run of ``_KEY`` characters it holds (a set lookup each,
        where looking for the word would scan the text)."""
        yield from self.short
        keys = _keys(folded)
        for key in keys.intersection(self.by_key):
            yield from ((word, bit) for word, bit, rest in self.by_key[key] if rest <= keys)


def _keys(text: str) -> set[str]:
    """Every run of ``_KEY`` characters in ``text``."""
    return set(map("".join, zip(*(text[at:] for at in range(_KEY)), strict=False)))


class _Lines:
    """A text's lines, and which of them hold each needed word found in it (as bits: line k,
    bit k), looked up when a phrase first asks: a word no phrase asks about is found once,
    not in every line. fold() keeps every character one character, so the folded text lines
    up with the text."""

    def __init__(self, text: str, folded: str, found: Mapping[int, tuple[str, int]]) -> None:
        self.spans: list[tuple[int, int]] = []
        start = 0
        for line in text.split("\n"):
            self.spans.append((start, start + len(line)))
            start += len(line) + 1
        self.everywhere = (1 << len(self.spans)) - 1
        self._starts = [a for a, _ in self.spans]
        self._folded = folded
        self._found = found
        """For each needed word found, by its bit: the word and where it first stands."""
        self._held: dict[int, int] = {}

    def holding(self, group: int) -> int:
        """The lines that hold some word of ``group`` (a few bits), as bits."""
        held = 0
        while group:
            bit = group & -group  # the lowest word of the group
            group ^= bit
            if bit in self._found:
                held |= self._held[bit] if bit in self._held else self._lines_with(bit)
        return held

    def _lines_with(self, bit: int) -> int:
        word, at = self._found[bit]
        held = 0
        while at >= 0:
            k = bisect_right(self._starts, at) - 1
            held |= 1 << k
            at = self._folded.find(word, self.spans[k][1])  # the next line that holds it
        self._held[bit] = held
        return held


def _runs(held: int, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The lines whose bits are set in ``held``, next ones joined into one span.

    A phrase that stays in line finds the same in two lines searched as one: no match takes
    in the line break between them, and a line break reads as the end of a text does to
    everything such a phrase holds (:func:`stays_in_line`).
    """
    spans: list[tuple[int, int]] = []
    while held:
        first = (held & -held).bit_length() - 1
        rest = held >> first
        count = (~rest & (rest + 1)).bit_length() - 1  # the run of set bits from `first`
        spans.append((lines[first][0], lines[first + count - 1][1]))
        held &= ~(((1 << count) - 1) << first)
    return spans


def _matches(
    phrase: _Phrase, text: str, folded: str, spans: Iterable[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """The matches of ``phrase`` in the spans of ``text``, in order: those of
    ``pattern.finditer(text)`` when no match crosses a span's edge.

    The text is searched in place (``pos`` and ``endpos``), so lookbehinds and ``\\b`` see
    the characters before a span as they do in the whole text. In an ASCII text the phrase
    is tried only where its leads stand, when they stand in few places.
    """
    ascii_text = text.isascii()
    for start, end in spans:
        places = lead_places(phrase.leads, folded, start, end) if ascii_text else None
        if places is None:
            yield from phrase.pattern.finditer(text, start, end)
        else:
            yield from matches_at(phrase.pattern, text, places, end)


def _cue(match: re.Match[str]) -> tuple[int, int]:
    if "cue" in match.re.groupindex and match.start("cue") >= 0:
        return match.span("cue")
    return match.span()


@dataclass(frozen=True)
class PhraseMatch:
    facts: dict[FactId, Value]
    negated: bool
    """Some phrase matched only under a negation ("the loss is not nan")."""
    evidence: dict[FactId, str] = field(default_factory=dict)
    """For each fact, the words that set it."""


def match_phrases(phrases: Phrases, text: str) -> PhraseMatch:
    """Facts from the first phrases that match, each cue used once, negations skipped."""
    facts: dict[FactId, Value] = {}
    evidence: dict[FactId, str] = {}
    taken: list[tuple[int, int]] = []
    saw_negation = False
    folded = fold(text)
    for phrase, spans in phrases.candidates(text, folded):
        for match in _matches(phrase, text, folded, spans):
            start, end = _cue(match)
            if any(start < e and s < end for s, e in taken):
                continue
            if negated(text, start):
                saw_negation = True
                continue
            taken.append((start, end))
            for fact, value in phrase.sets.items():
                if fact not in facts:
                    facts[fact] = value
                    evidence[fact] = quoted(match.group())
            break
    return PhraseMatch(facts=facts, negated=saw_negation, evidence=evidence)


QUOTE_CHARS = 80
"""How much of the words that set a fact its evidence quotes."""


def quoted(words: str) -> str:
    """``words`` as evidence: one line, cut to ``QUOTE_CHARS``, in quotes."""
    words = " ".join(words.replace("|", " ").split())
    if len(words) > QUOTE_CHARS:
        words = words[: QUOTE_CHARS - 3].rstrip() + "..."
    return f'you wrote "{words}"'
