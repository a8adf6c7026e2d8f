"""Read the error and warning messages people paste, against the catalogue in
``knowledge/errors.yaml``.

A traceback names its error last and a pasted log can be long, so of a long paste the start
and the end are read. Text is NFKC-normalised first: a message copied through a chat client
or a PDF may carry full-width or ligature characters that print like the library's own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.core.reading.bounds import Cut, long_paste_note
from assistant.core.reading.patterns import Needs, needed_words
from knowledge.loader import bundled
from knowledge.schema import ErrorSignature
from knowledge.types import FactId, Value

HEAD_CHARS = 20_000
"""Of a long paste, how much of the start is read."""
TAIL_CHARS = 50_000
"""Of a long paste, how much of the end is read: a traceback closes with its error."""
QUOTE_CHARS = 120
"""How much of a message is quoted as evidence."""

_ERROR_NAME = re.compile(r"[\w.]*(?:Error|Warning|Exception)\s*:\s*(?:CUDA error\s*:\s*)?$")
"""The "RuntimeError: " just before a matched message, so the quote starts with it."""
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")


@dataclass(frozen=True)
class ErrorReading:
    facts: dict[FactId, Value] = field(default_factory=dict)
    """What the messages establish."""
    evidence: dict[FactId, str] = field(default_factory=dict)
    """For each fact, the message it came from, as ``"line 3: IndexError: Target 5 is out
    of bounds."``."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about the reading (a paste read in part)."""
    matched: list[str] = field(default_factory=list)
    """The catalogue ids of the messages found, in the order they appear."""
    cut: Cut | None = None
    """What was read of a paste too long to read whole (its note is in :attr:`notes`)."""


@dataclass(frozen=True)
class _Entry:
    signature: ErrorSignature
    patterns: tuple[tuple[re.Pattern[str], Needs], ...]
    """Each pattern with the words a text must hold for it to match: looking for a word is
    much faster than running a case-insensitive pattern, and most texts hold none."""


class ErrorCatalogue:
    """The catalogue's entries with their patterns compiled, in the file's order."""

    def __init__(self, signatures: Iterable[ErrorSignature]) -> None:
        self.entries = tuple(
            _Entry(s, tuple((re.compile(p, re.IGNORECASE), needed_words(p)) for p in s.patterns))
            for s in signatures
        )

    def read(self, text: str) -> ErrorReading:
        text, cut = _bounded(unicodedata.normalize("NFKC", text))
        found: list[tuple[int, str, _Entry]] = []
        lowered = text.lower()
        for entry in self.entries:
            span = _first_match(entry.patterns, text, lowered)
            if span is not None:
                found.append((span[0], _quote(text, span), entry))
        facts: dict[FactId, Value] = {}
        evidence: dict[FactId, str] = {}
        # the file's order decides which entry sets a fact: the specific before the general
        for _, quote, entry in found:
            for fact, value in entry.signature.sets.items():
                if fact not in facts:
                    facts[fact] = value
                    evidence[fact] = quote
        in_text_order = [entry.signature.id for _, _, entry in sorted(found, key=_position)]
        return ErrorReading(
            facts=facts,
            evidence=evidence,
            notes=[long_paste_note([cut])] if cut else [],
            matched=in_text_order,
            cut=cut,
        )


def _position(item: tuple[int, str, _Entry]) -> int:
    return item[0]


def _first_match(
    patterns: Iterable[tuple[re.Pattern[str], Needs]], text: str, lowered: str
) -> tuple[int, int] | None:
    spans = [
        match.span()
        for pattern, needs in patterns
        if all(any(word in lowered for word in group) for group in needs)
        and (match := pattern.search(text)) is not None
    ]
    return min(spans) if spans else None


def _bounded(text: str) -> tuple[str, Cut | None]:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text, None
    cut = Cut(
        read=f"error messages in its first {HEAD_CHARS:,} and last {TAIL_CHARS:,} characters",
        chars=len(text),
        lines=text.count("\n") + 1,
    )
    # the marker keeps a pattern from matching across the cut
    return f"{text[:HEAD_CHARS]}\n\n{text[-TAIL_CHARS:]}", cut


def _quote(text: str, span: tuple[int, int]) -> str:
    """The message around ``span``: from its error name to the end of its sentence."""
    at, end = span
    line_start = text.rfind("\n", 0, at) + 1
    name = _ERROR_NAME.search(text, max(line_start, at - 60), at)
    start = at if name is None else name.start()
    stop = _SENTENCE_END.search(text, max(end - 1, at))
    quote = text[start : len(text) if stop is None else stop.end()].strip()
    if len(quote) > QUOTE_CHARS:
        quote = quote[: QUOTE_CHARS - 1].rstrip() + "…"
    return f"line {text.count(chr(10), 0, at) + 1}: {quote}"


@lru_cache(maxsize=1)
def bundled_catalogue() -> ErrorCatalogue:
    """The catalogue shipped with unstuck, compiled once."""
    return ErrorCatalogue(bundled().errors)


def read_errors(text: str, *, catalogue: ErrorCatalogue | None = None) -> ErrorReading:
    """The error and warning messages in ``text``, as facts with the line each came from."""
    return (catalogue or bundled_catalogue()).read(text)
