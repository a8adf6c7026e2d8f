"""What every match of a regular expression holds, read off the parsed pattern, and patterns
run only where they can match.

Case-insensitive patterns over a text of a few thousand characters are most of the time of
reading a message: with IGNORECASE the engine tries every position of the text in turn.
Three things read off a pattern let a reader do less, each without changing a match:

- the words every match contains (:func:`needed_words`): a text without them is not searched;
- whether a match can take in a line break (:func:`stays_in_line`): if not, only the lines
  that hold the words are searched;
- what a match starts with: a lookahead for its first characters (:func:`guarded`) turns
  away most positions in one step, and the strings it starts with (:func:`leads`) let
  :class:`Sifted` try the pattern only where one of them stands.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

Needs = tuple[tuple[str, ...], ...]
"""Words a text must hold for a pattern to match it, in lower case: one of each group."""

_PARSER: Any = importlib.import_module("re._parser")
"""The parser behind ``re.compile`` (private, hence untyped; :func:`needed_words` falls back
to needing nothing should it ever change)."""
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII letters that IGNORECASE matches to ASCII ones ("\u212a", the Kelvin sign, is
a "k")."""
_FOLDED = "".join(map(chr, _CASE_FOLD))


def fold(text: str) -> str:
    """``text`` in lower case, with the letters IGNORECASE takes for ASCII ones made those:
    what needed words are looked for in. Every character stays one character, so positions
    in it are positions in ``text``."""
    # translate() looks up every character of a text that is not ASCII: do it only where
    # one of those letters stands ("\u0130" is the one letter lower() makes two of)
    if text.isascii() or not any(letter in text for letter in _FOLDED):
        return text.lower()
    return text.translate(_CASE_FOLD).lower()


def needed_words(pattern: str) -> Needs:
    """Literal words every match of ``pattern`` (case-insensitive) contains, one of each group.

    Read off the parsed pattern: a run of literal characters is needed wherever the part
    holding it is (not under ``?``, ``*`` or a negative lookaround); of alternatives, each
    gives its most telling need and one of those is needed. A text without them cannot
    match, so the pattern need not be run over it, which is most of the time.
    """
    try:
        groups = _needs(_PARSER.parse(pattern, re.IGNORECASE))
    except Exception:  # a parser of another Python: the pattern is always run
        return ()
    return tuple(sorted({tuple(sorted(group)) for group in groups}))


def _needs(items: Any) -> list[frozenset[str]]:
    needs: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and av < 128:
            run += chr(av).lower()
            continue
        if run:
            needs.append(frozenset({run}))
            run = ""
        if name == "SUBPATTERN":
            needs += _needs(av[-1])
        elif name == "ATOMIC_GROUP":
            needs += _needs(av)
        elif name == "ASSERT":
            needs += _needs(av[1])
        elif name in _REPEATS and av[0] >= 1:
            needs += _needs(av[2])
        elif name == "BRANCH":
            needs += _any_of(av[1])
    if run:
        needs.append(frozenset({run}))
    return needs


def _any_of(alternatives: Any) -> list[frozenset[str]]:
    """The need of a choice: each alternative's most telling one, any of them."""
    words: set[str] = set()
    for alternative in alternatives:
        needs = _needs(alternative)
        if not needs:
            return []
        words |= max(needs, key=lambda group: (min(map(len, group)), -len(group)))
    # a text holding "losses" holds "loss": the longer word adds nothing
    return [frozenset(w for w in words if not any(v != w and v in w for v in words))]


_HOLDS_NEWLINE = {"CATEGORY_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_NOT_DIGIT", "CATEGORY_LINEBREAK"}
"""The classes (``\\s``, ``\\W``, ``\\D``) that a line break belongs to."""
_IN_LINE_CATEGORIES = {"CATEGORY_DIGIT", "CATEGORY_WORD", "CATEGORY_NOT_SPACE"}
_IN_LINE_AT = {"AT_BOUNDARY", "AT_NON_BOUNDARY"}
"""The zero-width assertions that read the same at a line's end as at the text's: the line
break after it is not a word character, and neither is the end of the text."""


def stays_in_line(pattern: str) -> bool:
    """Whether no match of ``pattern`` (case-insensitive), lookarounds included, can take in
    a line break, so that it can be run over one line at a time with the same matches.

    Read off the parsed pattern, as :func:`needed_words` is; anything it does not know
    (``^``, ``$``, ``.`` under DOTALL, an unknown class) counts as crossing lines.
    """
    try:
        parsed = _PARSER.parse(pattern, re.IGNORECASE)
        return not parsed.state.flags & re.DOTALL and _in_line(parsed)
    except Exception:  # a parser of another Python: the whole text is searched
        return False


def _in_line(items: Any) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            ok = av != ord("\n")
        elif name == "ANY":
            ok = True  # without DOTALL, "." is anything but a line break
        elif name == "IN":
            ok = _class_in_line(av)
        elif name == "AT":
            ok = str(av) in _IN_LINE_AT
        elif name == "SUBPATTERN":
            ok = not av[1] & re.DOTALL and _in_line(av[-1])
        elif name in {"ASSERT", "ASSERT_NOT"}:
            ok = _in_line(av[1])
        elif name == "ATOMIC_GROUP":
            ok = _in_line(av)
        elif name in _REPEATS:
            ok = _in_line(av[2])
        elif name == "BRANCH":
            ok = all(_in_line(alternative) for alternative in av[1])
        else:  # NOT_LITERAL, references, conditionals: assumed to cross
            ok = False
        if not ok:
            return False
    return True


def _class_in_line(items: Any) -> bool:
    """Whether a character class leaves out the line break."""
    newline = ord("\n")
    holds = any(
        (str(op) == "LITERAL" and av == newline)
        or (str(op) == "RANGE" and av[0] <= newline <= av[1])
        or (str(op) == "CATEGORY" and str(av) in _HOLDS_NEWLINE)
        for op, av in items
    )
    if items and str(items[0][0]) == "NEGATE":
        return holds
    return all(
        (str(op) == "LITERAL" and av != newline)
        or (str(op) == "RANGE" and not av[0] <= newline <= av[1])
        or (str(op) == "CATEGORY" and str(av) in _IN_LINE_CATEGORIES)
        for op, av in items
    )


_ZERO_WIDTH = {"AT", "ASSERT", "ASSERT_NOT"}
_CLASS_ESCAPES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def guarded(pattern: str) -> str:
    """``pattern`` behind a lookahead for the characters its matches can start with, or
    ``pattern`` itself where those are not known.

    The lookahead finds the same matches: it only turns away, in one step, the positions
    where the pattern would try each of its alternatives and fail. With ``IGNORECASE`` the
    engine skips no position on its own, and most positions of a text start no match.
    """
    try:
        first = _first(_PARSER.parse(pattern, re.IGNORECASE))
    except Exception:  # a parser of another Python: the pattern runs as it is
        return pattern
    if first is None or first[1]:
        return pattern
    parts: list[str] = []
    for name, av in first[0]:
        if name == "LITERAL":
            parts.append(f"\\U{av:08x}")
        elif name == "RANGE":
            parts.append(f"\\U{av[0]:08x}-\\U{av[1]:08x}")
        elif name == "CATEGORY" and str(av) in _CLASS_ESCAPES:
            parts.append(_CLASS_ESCAPES[str(av)])
        else:
            return pattern
    return f"(?=[{''.join(parts)}])(?:{pattern})"


def _first(items: Any) -> tuple[list[tuple[str, Any]], bool] | None:
    """The characters a match of ``items`` can start with, as class items, and whether it
    can match nothing at all; None where that is not known (``.``, a negated class)."""
    found: list[tuple[str, Any]] = []
    for op, av in items:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue
        if name == "LITERAL":
            return [*found, (name, av)], False
        if name == "IN":
            if any(str(o) == "NEGATE" for o, _ in av):
                return None
            return [*found, *((str(o), a) for o, a in av)], False
        if name == "SUBPATTERN":
            inner = _first(av[-1])
        elif name in _REPEATS:
            inner = _first(av[2])
            if inner is not None and av[0] == 0:
                inner = (inner[0], True)
        elif name == "BRANCH":
            alternatives = [_first(alternative) for alternative in av[1]]
            if any(a is None for a in alternatives):
                return None
            inner = (
                [item for a in alternatives if a for item in a[0]],
                any(a[1] for a in alternatives if a),
            )
        else:  # ".", references, atomic groups, conditionals: anything may come first
            return None
        if inner is None:
            return None
        found += inner[0]
        if not inner[1]:
            return found, False
    return found, True


LEAD_CHARS = 8
"""How much of what a match starts with :func:`leads` spells out: enough to be rare in text."""
MAX_LEADS = 24
"""The most strings :func:`leads` gives, each looked for in the text: past that it gives
shorter ones, which are fewer."""
_SPELLED = 256
"""How many strings are spelled out while a pattern is read, before they are cut short."""
_ASCII_CLASSES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyz0123456789_",
    "CATEGORY_SPACE": "".join(chr(c) for c in range(128) if chr(c).isspace()),
}
"""The ASCII characters of a class escape, in lower case."""

Leads = frozenset[str]


def leads(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...] | None:
    """Strings, in lower case, one of which stands at the start of every match of
    ``pattern`` in an ASCII text (lower-cased: ``"Loss"`` starts with ``"loss"``); None where
    that is not known (a match may start with any character, or with none).

    Read off the parsed pattern, as :func:`needed_words` is: lookarounds and anchors take no
    characters, so what follows them is where a match starts; an optional part adds the
    starts of what follows it. Only ASCII counts: in a text with other characters the
    pattern is run as it is (IGNORECASE takes the Kelvin sign for a "k").
    """
    try:
        found = _leads(_PARSER.parse(pattern, flags), None)
    except Exception:  # a parser of another Python: the pattern is run as it is
        return None
    if found is None:
        return None
    # a start of a lead is a lead too: cut them short until they are few
    for size in range(LEAD_CHARS, 0, -1):
        cut = _union(frozenset(lead[:size] for lead in found))
        if cut is not None and len(cut) <= MAX_LEADS:
            return tuple(sorted(cut))
    return None


def _leads(items: Any, after: Leads | None) -> Leads | None:
    """The starts of ``items`` followed by what starts with one of ``after`` (None: anything,
    or nothing)."""
    found = after
    for op, av in reversed(list(items)):
        found = _item_leads(str(op), av, found)
    return found


def _item_leads(name: str, av: Any, after: Leads | None) -> Leads | None:
    if name in _ZERO_WIDTH:
        return after
    if name in {"LITERAL", "IN"}:
        chars = _ascii_chars(name, av)
        return None if chars is None else _then(chars, after)
    if name == "SUBPATTERN":
        return _leads(av[-1], after)
    if name == "ATOMIC_GROUP":
        return _leads(av, after)
    if name == "BRANCH":
        alternatives = [_leads(alternative, after) for alternative in av[1]]
        return _union(*alternatives)
    if name in _REPEATS:
        low, high, item = av
        if high == 0:
            return after
        # after one repetition comes another or what follows: only the first is spelled out
        once = _leads(item, None)
        return once if low >= 1 else _union(once, after)
    return None  # ".", a negated literal, a reference, a conditional: any character


def _ascii_chars(name: str, av: Any) -> str | None:
    """The ASCII characters, in lower case, that a literal or a class takes; None where it
    takes others that IGNORECASE may match to ASCII ones, or where it is negated."""
    if name == "LITERAL":
        return chr(av).lower() if av < 128 else None
    chars = ""
    for op, value in av:
        kind = str(op)
        if kind == "LITERAL" and value < 128:
            chars += chr(value).lower()
        elif kind == "RANGE" and value[1] < 128:
            chars += "".join(chr(c) for c in range(value[0], value[1] + 1)).lower()
        elif kind == "CATEGORY" and str(value) in _ASCII_CLASSES:
            chars += _ASCII_CLASSES[str(value)]
        else:
            return None
    return "".join(sorted(set(chars)))


def _then(chars: str, after: Leads | None) -> Leads:
    """Each of ``chars`` followed by each of ``after``, as far as ``LEAD_CHARS`` and
    ``MAX_LEADS`` allow."""
    if after is None or len(chars) * len(after) > _SPELLED:
        return frozenset(chars)
    return frozenset((char + rest)[:LEAD_CHARS] for char in chars for rest in after)


def _union(*parts: Leads | None) -> Leads | None:
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    # "loss" in the text is found where "l" is: keep the shorter, the others add no place
    return frozenset(s for s in found if not any(t != s and s.startswith(t) for t in found))


def rare_leads(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...] | None:
    """:func:`leads` where each stands seldom enough in text to be worth a try of its own,
    else None: one letter or a space stands everywhere."""
    found = leads(pattern, flags)
    if found is None or any(len(s) == 1 and (s.isalpha() or s.isspace()) for s in found):
        return None
    return found


SPARSE = 20
"""Past one lead in this many characters of a text, trying the pattern at each costs more
than letting the engine scan the text: the pattern is run as it is."""
CHARS_PER_LEAD = 8
"""Looking for a lead costs about what the engine takes to scan this many characters: over
a shorter text, the pattern is run as it is."""


class Sifted:
    """A compiled pattern that is tried only where it can match: over a text that holds its
    needed words, at the places its leads stand. Finds what the pattern finds, in order."""

    def __init__(self, pattern: str, flags: int = 0, *, guard: bool = True) -> None:
        self.source = pattern
        """The pattern as written."""
        self.flags = flags
        self.pattern = re.compile(guarded(pattern) if guard else pattern, flags)
        """The pattern, unless ``guard`` is false behind a lookahead for its first characters
        (:func:`guarded`). A case-sensitive pattern that starts with a character or one of a
        few the engine finds on its own, faster without the lookahead."""
        self.needs = needed_words(pattern)
        self.leads = rare_leads(pattern, flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The matches of the pattern in ``text``, as ``re.Pattern.finditer`` gives them."""
        folded = fold(text)
        if not self.holds_needs(folded):
            return iter(())
        places = lead_places(self.leads, folded) if text.isascii() else None
        if places is None:
            return self.pattern.finditer(text)
        return matches_at(self.pattern, text, places)

    def search(self, text: str) -> re.Match[str] | None:
        return next(self.finditer(text), None)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        """``text`` with each match replaced, as ``re.Pattern.sub`` does: by ``repl`` expanded
        (``\\g<name>``) or by what ``repl`` returns for the match."""
        pieces: list[str] = []
        last = 0
        for match in self.finditer(text):
            replaced = match.expand(repl) if isinstance(repl, str) else repl(match)
            pieces += [text[last : match.start()], replaced]
            last = match.end()
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def holds_needs(self, folded: str) -> bool:
        """Whether ``folded`` (:func:`fold`) holds a word of each of the needed groups."""
        for group in self.needs:  # loops, not all() and any(): this runs for every pattern
            for word in group:
                if word in folded:
                    break
            else:
                return False
        return True


def lead_places(
    found: tuple[str, ...] | None, folded: str, start: int = 0, end: int | None = None
) -> list[int] | None:
    """Where one of the leads ``found`` (:func:`leads`) stands whole in ``folded[start:end]``,
    in order; None when there are none to look for, too many places (``SPARSE``) or too
    little text to look in (``CHARS_PER_LEAD``)."""
    end = len(folded) if end is None else end
    if found is None or end - start < len(found) * CHARS_PER_LEAD:
        return None
    most = (end - start) // SPARSE
    places: set[int] = set()
    for lead in found:
        at = folded.find(lead, start, end)
        while at >= 0:
            places.add(at)
            if len(places) > most:
                return None
            at = folded.find(lead, at + 1, end)
    return sorted(places)


def matches_at(
    pattern: re.Pattern[str], text: str, places: list[int], end: int | None = None
) -> Iterator[re.Match[str]]:
    """The matches of ``pattern`` in ``text[:end]`` that start at one of ``places``, in order
    and apart, as ``pattern.finditer`` gives those that start there.

    A match takes at least its lead, so none is empty: after one ends, the engine would go
    on searching from its end, as this does.
    """
    end = len(text) if end is None else end
    after = 0
    for at in places:
        if at < after:
            continue
        match = pattern.match(text, at, end)
        if match is not None:
            after = match.end()
            yield match
