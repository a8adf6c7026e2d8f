"""Cleaning and bounding: what part of a message is read, and in what shape."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.reading.patterns import Sifted

HEAD_CHARS = 2000
"""Of a long message, how much of the start is read: the user's own words come first."""
TAIL_CHARS = 6000
"""Of a long message, how much of the end is read: a pasted traceback names its error last."""
LINE_CHARS = 2000
"""How much of each line is read: longer lines are logs or tensors, not sentences."""
WORD_CHARS = 100
"""How much of each run of letters, digits and underscores is read: a longer one is a hash,
a tensor or noise, and a phrase that starts at "val" and takes the rest of the word would
scan it again from every "val" in it."""

_FILE_LINE = re.compile(r'^[^\S\n]*File ".*", line \d+.*$', re.MULTILINE)
_THOUSANDS = Sifted(r"(?<=\d),(?=\d{3}\b)")
_SENTENCE_END = Sifted(r"[;!?]+|\.(?=\s|$)")
_CLAUSE_BREAK = Sifted(
    r",|\b(?:but(?! then)|while|whereas|although|though|however|yet)\b", re.IGNORECASE
)
_HYPOTHETICAL = Sifted(r"(?P<start>^|\n|\|)[ \t]*(?:but |and |even )?if\b[^|\n]*", re.I)
"""A clause that starts with "if" says what would happen, not what happens."""
_LONG_WORD = re.compile(rf"(?<!\w)(\w{{{WORD_CHARS}}})\w+")


def bounded(text: str) -> str:
    """The part of ``text`` worth reading: each line cut to ``LINE_CHARS``, each word to
    ``WORD_CHARS``, and of a long message its start and its end, cut at line breaks where
    there are some.

    Reading takes time in proportion to the text, and a service reads every message posted
    to it: a pasted log of megabytes must not hold it up. The start keeps what the user
    wrote, the end keeps the error a traceback closes with.
    """
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        head_end = text.rfind("\n", HEAD_CHARS // 2, HEAD_CHARS)
        tail_start = text.find("\n", len(text) - TAIL_CHARS, len(text) - TAIL_CHARS // 2)
        head = text[: head_end if head_end >= 0 else HEAD_CHARS]
        tail = text[tail_start + 1 if tail_start >= 0 else len(text) - TAIL_CHARS :]
        text = f"{head}\n{tail}"
    if len(text) > LINE_CHARS:
        text = "\n".join(line[:LINE_CHARS] for line in text.split("\n"))
    if len(text) > WORD_CHARS:
        text = _LONG_WORD.sub(r"\1", text)
    return text


def clean(text: str) -> str:
    """The text as phrases expect it: one sentence a line, clauses split by ``|``.

    Apostrophes go ("don't" -> "dont") so patterns need not spell every variant; the file
    lines of a pasted traceback go because their paths name modules, not symptoms.
    """
    text = re.sub(r"['’‘`]", "", text)
    text = _FILE_LINE.sub("", text)
    text = _THOUSANDS.sub("", text)
    text = _SENTENCE_END.sub("\n", text)
    text = _CLAUSE_BREAK.sub(lambda m: " | " + m.group(0).strip(","), text)
    return _HYPOTHETICAL.sub(r"\g<start>", text)


def has_content(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: anything to read at all."""
    return bool(_HAS_CONTENT.search(text))


_HAS_CONTENT = re.compile(r"[a-z0-9]", re.IGNORECASE)


@dataclass(frozen=True)
class Cut:
    """What a reader of pasted material read of a paste too long to read whole."""

    read: str
    """The part it read, as the long-paste note says it: ``"code in its first 5,000
    lines"``."""
    chars: int
    """How long the paste is, in characters."""
    lines: int
    """How many lines the paste has."""


def long_paste_note(cuts: Sequence[Cut]) -> str:
    """One note for a paste that readers read in part: how long it is, what each read of
    it, and what to do when what matters lies elsewhere.

    The readers of errors and of code bound a paste differently; the user gets one note
    that says both, not one per reader.
    """
    parts = [cut.read for cut in cuts]
    read = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
    return (
        f"The paste is long ({_count(cuts[0].lines, 'line')}, "
        f"{_count(cuts[0].chars, 'character')}), so I read part of it: {read}. If what "
        "matters is elsewhere in it, paste that part on its own."
    )


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
