"""Phrases: the knowledge base's regular expressions for what users say, with negation and
one use per word."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from assistant.core.reading.patterns import fold, guarded, needed_words, stays_in_line
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


_KEY = 3
"""Needed words are looked up by their first three characters."""


@dataclass(frozen=True)
class Phrases:
    """The knowledge base's phrases, compiled, with the words their matches need."""

    entries: tuple[_Phrase, ...]
    words: tuple[str, ...]
    """Every word some phrase needs, each looked for once per text."""
    by_key: Mapping[str, tuple[tuple[str, int], ...]]
    """The words at least ``_KEY`` long, with their bits, by their first ``_KEY`` characters."""
    short: tuple[tuple[str, int], ...]
    """The shorter words, with their bits."""

    @classmethod
    def compile(cls, phrases: Iterable[Phrase]) -> Phrases:
        phrases = list(phrases)
        needs = [needed_words(phrase.pattern) for phrase in phrases]
        words = tuple(sorted({word for groups in needs for group in groups for word in group}))
        bit = {word: 1 << index for index, word in enumerate(words)}
        by_key: dict[str, list[tuple[str, int]]] = {}
        for word in words:
            if len(word) >= _KEY:
                by_key.setdefault(word[:_KEY], []).append((word, bit[word]))
        entries = tuple(
            _Phrase(
                re.compile(guarded(phrase.pattern), re.IGNORECASE),
                phrase.sets,
                tuple(sum(bit[word] for word in group) for group in groups),
                stays_in_line(phrase.pattern),
            )
            for phrase, groups in zip(phrases, needs, strict=True)
        )
        return cls(
            entries=entries,
            words=words,
            by_key={key: tuple(found) for key, found in by_key.items()},
            short=tuple((word, bit[word]) for word in words if len(word) < _KEY),
        )

    def candidates(self, text: str) -> Iterator[tuple[_Phrase, list[tuple[int, int]]]]:
        """The phrases that may match ``text``, in order, each with the spans of ``text`` to
        search: the lines that hold its needs, or the whole text.

        Running a pattern costs in proportion to the text it is run over, and a message of
        a few thousand characters has dozens of lines: most patterns can only match in one
        or two of them.
        """
        folded = fold(text)
        found = self._found(folded)
        present = 0
        for _, bit in found:
            present |= bit
        lines: list[tuple[int, int]] = []
        start = 0
        for line in text.split("\n"):
            lines.append((start, start + len(line)))
            start += len(line) + 1
        # which lines hold each word found, as bits (line k, bit k); _CASE_FOLD and lower()
        # keep every character one character, so ``folded`` lines up with ``text``
        starts = [a for a, _ in lines]
        in_lines: dict[int, int] = {}
        for word, bit in found:
            held = 0
            at = folded.find(word)
            while at >= 0:
                k = bisect_right(starts, at) - 1
                held |= 1 << k
                at = folded.find(word, lines[k][1])  # the next line that holds it
            in_lines[bit] = held
        whole = [(0, len(text))]
        everywhere = (1 << len(lines)) - 1
        for entry in self.entries:
            held = everywhere
            for group in entry.needs:
                if not present & group:
                    break
                if entry.in_line:
                    held &= _lines_of(group, in_lines)
            else:
                if not entry.in_line:
                    yield entry, whole
                elif held:
                    yield entry, [span for k, span in enumerate(lines) if held >> k & 1]

    def _found(self, folded: str) -> list[tuple[str, int]]:
        """The needed words that ``folded`` holds, with their bits."""
        found = [(word, bit) for word, bit in self.short if word in folded]
        keys = set(map("".join, zip(folded, folded[1:], folded[2:], strict=False)))
        for key in keys.intersection(self.by_key):
            found += [(word, bit) for word, bit in self.by_key[key] if word in folded]
        return found


def _lines_of(group: int, in_lines: Mapping[int, int]) -> int:
    """The lines that hold some word of ``group`` (a few bits), as bits."""
    held = 0
    while group:
        bit = group & -group  # the lowest word of the group
        held |= in_lines.get(bit, 0)
        group ^= bit
    return held


def _matches(
    pattern: re.Pattern[str], text: str, spans: Iterable[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in the spans of ``text``, in order: those of
    ``pattern.finditer(text)`` when no match crosses a span's edge.

    The text is searched in place (``pos`` and ``endpos``), so lookbehinds and ``\\b`` see
    the characters before a span as they do in the whole text.
    """
    for start, end in spans:
        yield from pattern.finditer(text, start, end)


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
    for phrase, spans in phrases.candidates(text):
        for match in _matches(phrase.pattern, text, spans):
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
