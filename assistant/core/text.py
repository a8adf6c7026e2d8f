"""Turn what the user types into facts.

Three readers, most trusted first:

1. the knowledge base's phrases (regular expressions written by people, ``knowledge/phrases.yaml``),
   with negation ("the loss is not nan") and one use per word;
2. numbers read in context: a loss at ln(k), an accuracy at chance, learning rates (against the
   optimizer), epochs, sample counts, class shares, train against validation scores;
3. where both find nothing, a small text model (TF-IDF n-grams and logistic regression) trained
   at first use on ``assistant/core/data/phrasings.yaml``. Its confident guesses become facts, its
   middling ones come back as ``unsure`` candidates, so the engine asks instead of guessing.

When a question is pending, a short answer ("adam", "1e-3", "10", "yes") is read as an answer
to it.
"""

from __future__ import annotations

import bisect
import importlib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.loader import KnowledgeBase
from knowledge.schema import Phrase
from knowledge.types import FactId, Value

PHRASINGS = Path(__file__).resolve().parent / "data" / "phrasings.yaml"
"""The labelled sentences the text model learns from."""

SURE_AT = 0.5
"""The text model's probability from which a guess counts as a fact."""
ASK_AT = 0.15
"""The text model's probability from which a guess is offered for confirmation."""
MAX_CANDIDATES = 4
GUESSES_KEPT = 1024
"""How many texts' guesses the text model remembers."""
NONE_LABEL = "none"
NEGATION_WINDOW = 4
"""How many words before a phrase's cue are searched for a negation."""
SHORT_ANSWER_WORDS = 6
"""Answers up to this many words are read against the pending question's values."""
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
LOOK_BACK_CHARS = 200
"""How far before a phrase or number the words that qualify it are looked for."""

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Reading:
    facts: dict[FactId, Value] = field(default_factory=dict)
    """Facts the text states clearly."""
    unsure: list[tuple[FactId, Value]] = field(default_factory=list)
    """Readings that need the user's confirmation, best first."""

    @property
    def empty(self) -> bool:
        return not self.facts and not self.unsure


# -- cleaning ---------------------------------------------------------------------------

_FILE_LINE = re.compile(r'^[^\S\n]*File ".*", line \d+.*$', re.MULTILINE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_SENTENCE_END = re.compile(r"[;!?]+|\.(?=\s|$)")
_CLAUSE_BREAK = re.compile(
    r",|\b(?:but(?! then)|while|whereas|although|though|however|yet)\b", re.IGNORECASE
)
_HYPOTHETICAL = re.compile(r"(?P<start>^|\n|\|)[ \t]*(?:but |and |even )?if\b[^|\n]*", re.I)
"""A clause that starts with "if" says what would happen, not what happens."""
_HAS_CONTENT = re.compile(r"[a-z0-9]", re.IGNORECASE)
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


# -- phrases ----------------------------------------------------------------------------

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


Needs = tuple[tuple[str, ...], ...]
"""Words a text must hold for a pattern to match it, in lower case: one of each group."""

_PARSER: Any = importlib.import_module("re._parser")
"""The parser behind ``re.compile`` (private, hence untyped; :func:`needed_words` falls back
to needing nothing should it ever change)."""
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_CASE_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII letters that IGNORECASE matches to ASCII ones ("\u212a", the Kelvin sign, is
a "k")."""


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


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern[str]
    sets: Mapping[FactId, Value]
    needs: tuple[int, ...]
    """What a text must hold for ``pattern`` to match (:func:`needed_words`): for each group
    of words, a mask of their bits in :attr:`Phrases.words`."""


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
                re.compile(phrase.pattern, re.IGNORECASE),
                phrase.sets,
                tuple(sum(bit[word] for word in group) for group in groups),
            )
            for phrase, groups in zip(phrases, needs, strict=True)
        )
        return cls(
            entries=entries,
            words=words,
            by_key={key: tuple(found) for key, found in by_key.items()},
            short=tuple((word, bit[word]) for word in words if len(word) < _KEY),
        )

    def candidates(self, text: str) -> Iterator[_Phrase]:
        """The phrases that may match ``text``, in order: those whose needs it holds."""
        folded = text.translate(_CASE_FOLD).lower()
        present = 0
        for word, bit in self.short:
            if word in folded:
                present |= bit
        keys = set(map("".join, zip(folded, folded[1:], folded[2:], strict=False)))
        for key in keys.intersection(self.by_key):
            for word, bit in self.by_key[key]:
                if word in folded:
                    present |= bit
        for entry in self.entries:
            for group in entry.needs:
                if not present & group:
                    break
            else:
                yield entry


def _cue(match: re.Match[str]) -> tuple[int, int]:
    if "cue" in match.re.groupindex and match.start("cue") >= 0:
        return match.span("cue")
    return match.span()


@dataclass(frozen=True)
class PhraseMatch:
    facts: dict[FactId, Value]
    negated: bool
    """Some phrase matched only under a negation ("the loss is not nan")."""


def match_phrases(phrases: Phrases, text: str) -> PhraseMatch:
    """Facts from the first phrases that match, each cue used once, negations skipped."""
    facts: dict[FactId, Value] = {}
    taken: list[tuple[int, int]] = []
    saw_negation = False
    for phrase in phrases.candidates(text):
        for match in phrase.pattern.finditer(text):
            start, end = _cue(match)
            if any(start < e and s < end for s, e in taken):
                continue
            if negated(text, start):
                saw_negation = True
                continue
            taken.append((start, end))
            for fact, value in phrase.sets.items():
                facts.setdefault(fact, value)
            break
    return PhraseMatch(facts=facts, negated=saw_negation)


# -- numbers ----------------------------------------------------------------------------

# A number is read from its first digit only (``(?<!\d)``), its runs of digits are never
# given back (``(?>...)``: a shorter run is followed by a digit, which _END refuses anyway)
# and _END only walks the dots after it. Without these, a line of digits took time in the
# cube of its length: every start, every length, and a scan to the end for each.
_NUM = r"[-+]?+(?<!\d)(?:(?>\d+)(?:\.(?>\d*))?|\.(?>\d+))(?:e[-+]?+(?>\d+))?"
_END = r"(?!\.*+\d)"  # the whole number, not a prefix of it ("1.2.3" is no number)
_WORD_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "hundred": 100,
    "thousand": 1000,
}
_KNOWN_DATASETS = {"mnist": 10, "cifar10": 10, "cifar100": 100, "imagenet": 1000}

_CLASS_COUNT = re.compile(
    rf"\b(?P<count>\d+|{'|'.join(_WORD_NUMBERS)})[- ](?:output |target |different )?"
    r"(?:classes|categories|class\b|way\b|labels\b|kinds of|types of)",
    re.IGNORECASE,
)
_DATASET_NAME = re.compile(r"\b(fashion.?mnist|mnist|cifar.?100|cifar.?10|imagenet)\b", re.I)


@dataclass(frozen=True)
class Context:
    """What else the user said (or the session knows) that changes how a number reads."""

    classes: int | None = None
    optimizer: Value | None = None
    task: Value | None = None
    loss_function: Value | None = None
    adamw: bool = False
    stuck: bool = False
    """The loss is said not to move, so a value near ln(k) for large k still means chance."""


def class_count(text: str) -> int | None:
    match = _CLASS_COUNT.search(text)
    if match:
        count = match.group("count").lower()
        return _WORD_NUMBERS.get(count) or int(count)
    named = _DATASET_NAME.search(text)
    if named:
        key = re.sub(r"[^a-z0-9]", "", named.group(1).lower()).removeprefix("fashion")
        return _KNOWN_DATASETS.get(key)
    return None


def _bucket(value: float, edges: list[tuple[float, Value]], below: Value) -> Value:
    """The label of the first edge ``value`` reaches, or ``below``."""
    for edge, label in edges:
        if value >= edge:
            return label
    return below


def learning_rate_level(lr: float, optimizer: Value | None) -> Value:
    """Learning-rate bucket; what counts as high depends on the optimizer.

    Adam's usual range is 1e-4 to 1e-2 and 0.1 already makes it jump around; plain SGD
    usually wants 1e-3 to 1e-1. With the optimizer unknown, only values high (or low) for
    both count as very high (or very low). 1e-6 and below is tiny for all.
    """
    if lr <= 1e-6:
        return "very_low"
    if optimizer == "adam":
        edges = [(0.1, "very_high"), (0.01, "high"), (1e-4, "normal")]
    elif optimizer == "sgd":
        edges = [(1.0, "very_high"), (0.1, "high"), (1e-3, "normal")]
    else:
        edges = [(1.0, "very_high"), (0.01, "high"), (1e-4, "normal")]
    return _bucket(lr, edges, "low")


def epochs_level(count: float, unit: str = "epochs") -> Value:
    if unit.startswith(("step", "iter", "batch", "update")):
        return _bucket(count, [(100_000, "many"), (1000, "some")], "few")
    return _bucket(count, [(100, "many"), (10, "some")], "few")


def dataset_size_level(count: float) -> Value:
    return _bucket(count, [(100_000, "large"), (10_000, "medium"), (500, "small")], "tiny")


def class_balance_level(ratio: float) -> Value:
    """From how many times the commonest class outnumbers the rarest."""
    return _bucket(ratio, [(10.0, "severe"), (2.0, "imbalanced")], "balanced")


def share_ratio(percent: float, classes: int | None) -> float:
    """One class's share, the rest split evenly among the others: commonest over rarest."""
    others = (classes or 2) - 1
    rest = (100.0 - percent) / max(others, 1)
    low, high = sorted((percent, rest))
    return math.inf if low <= 0 else high / low


def chance_class_count(loss: float, context: Context) -> int | None:
    """The k whose ln(k) the loss sits at (within 2%), or None.

    A model that guesses uniformly among k classes has cross-entropy ln(k): 0.693 for two,
    2.303 for ten. With the class count stated only ln(C) counts. Otherwise any k from 2 to
    1000 counts; above k = 10 the ln(k) lie so close together that nearly every loss between
    2.4 and 7 is within 2% of one of them, so there a value counts only when the loss is
    also said to be stuck.
    """
    if context.task in ("regression", "multilabel") or context.loss_function in ("mse", "mae"):
        return None
    if context.task == "binary" or context.loss_function in ("bce", "bce_with_logits"):
        candidates: Iterator[int] = iter([2])
    elif context.classes:
        candidates = iter([context.classes])
    else:
        # ln(k) rises with k: start a little below loss / 1.02, stop a little past loss / 0.98
        below = bisect.bisect_left(_LOGS, loss / 1.02) - 2
        candidates = iter(range(max(below, 0) + 2, 1001 if context.stuck else 11))
    for k in candidates:
        log_k = math.log(k)
        if k >= 2 and abs(loss - log_k) <= 0.02 * log_k:
            return k
        if log_k - loss > 0.03 * log_k:
            return None
    return None


_LOGS = tuple(math.log(k) for k in range(2, 1001))
"""ln(k) for k from 2 to 1000."""


def accuracy_level(percent: float, context: Context) -> Value | None:
    classes = context.classes or (2 if context.task == "binary" else None)
    if classes and abs(percent - 100.0 / classes) <= 2.0:
        return "chance"
    if classes is None and abs(percent - 50.0) <= 2.0:
        return "chance"  # the commonest complaint: a binary classifier at a coin flip
    if percent >= 90.0:
        return "high"
    return None


def _number(text: str) -> float:
    return float(text)


def _count(value: str, multiplier: str | None) -> float:
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mil": 1e6, "million": 1e6}
    return float(value) * scale.get((multiplier or "").lower(), 1.0)


_LR = re.compile(
    rf"\b(?:lr|learning[ _-]?rate|step size)\b[^\d\n|-]{{0,15}}?(?P<value>{_NUM}){_END}(?!\s*+%)",
    re.IGNORECASE,
)
_LR_BEFORE = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*+(?:as (?:the |my )?|for (?:the )?)?(?:lr|learning rate)\b",
    re.IGNORECASE,
)
_EPOCHS = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*+(?P<mult>k\b)?\s*+(?P<unit>epochs?|steps|iterations|iters|updates)\b",
    re.IGNORECASE,
)
_TRAINING_WORDS = {"for", "trained", "train", "training", "ran", "run", "after", "only", "just"}
_TIME_MARKERS = {"after", "at", "by", "in", "within", "until", "around", "since", "from", "before"}
_SIZE = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*+(?P<mult>k|m|mil|thousand|million)?\s*+"
    r"(?:training |labell?ed |train |total )?"
    r"(?P<unit>samples?|examples?|rows|images|pictures|photos|data ?points|records|instances|"
    r"sentences|documents|texts|observations|items|sequences|patients|entries)\b",
    re.IGNORECASE,
)
_PER_CLASS = re.compile(r"\s*+(?:per|each|for each|in each|of each)\s++(?:class|category)", re.I)
_PER_BATCH = re.compile(r"\s*+(?:per|each|a|in each|in a)\s++(?:batch|step|epoch|second)", re.I)
_SHARE = re.compile(rf"(?P<value>{_NUM}){_END}\s*+%", re.IGNORECASE)
_CLASS_WORDS = re.compile(
    r"\b(?:class\w*|labels?|positives?|negatives?|minority|majority|zeros|ones|fraud\w*|spam|"
    r"defaults?|anomal\w*|samples are|examples are|"
    r"of (?:the |my )?(?:data|dataset|samples|rows))\b",
    re.IGNORECASE,
)
_METRIC_WORDS = re.compile(
    r"\b(?:acc\w*|f1|auc|score|precision|recall|loss|val\w*|train\w*|test|split|dropout|lr|"
    r"learning rate|error|confiden\w*|probabilit\w*|memory|gpu|cpu)\b",
    re.IGNORECASE,
)
_RATIO = re.compile(
    rf"(?P<a>{_NUM}){_END}\s*+(?::|/|to(?= \S+ ratio))\s*+(?P<b>{_NUM}){_END}"
    rf"|(?P<times>{_NUM}){_END}\s*+(?:x|times)\s++(?:more|as many|as common|as frequent)",
    re.IGNORECASE,
)
_LOSS_VALUE = re.compile(
    rf"(?<!val )(?<!val_)(?<!validation )(?<!test )\b(?:loss|cost)\b[^\d\n|%]{{0,40}}?"
    rf"(?P<value>{_NUM}){_END}(?!\s*+(?:%|epochs?|steps|iterations|iters|classes|samples))"
    rf"(?:\s*+(?:to|->|→)\s*+(?P<after>{_NUM}){_END})?",
    re.IGNORECASE,
)
_STUCK_VALUE = re.compile(
    rf"\b(?:stuck|plateau\w*|stays?|hovers?|sits?|remains?|flat\w*)\s++(?:at|around|near|on|about)"
    rf"\s++(?:~\s*+)?(?P<value>{_NUM}){_END}(?!\s*+%)",
    re.IGNORECASE,
)
_ACCURACY = re.compile(
    rf"\b(?P<role>(?:val\w*|validation|test|dev|train\w*)\s*+(?:set\s*+)?)?(?:acc|accuracy)\b"
    rf"[^\d\n|]{{0,30}}?(?P<value>{_NUM}){_END}(?:\s*+(?:-|to)\s*+(?P<upper>{_NUM}){_END})?"
    r"\s*+(?P<pct>%)?(?!\s*+(?:epochs?|steps|iterations|iters|classes|samples|layers|hours|minutes|days)\b)",
    re.IGNORECASE,
)
_ACCURACY_AFTER = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*+(?P<pct>%)\s*+(?P<role>(?:val\w*|validation|test|train\w*)\s++)?"
    r"(?:acc|accuracy)\b",
    re.IGNORECASE,
)
_AUC = re.compile(rf"\b(?:roc.?)?auc\b[^\d\n|]{{0,20}}?(?P<value>{_NUM}){_END}", re.I)
_DROPOUT = re.compile(rf"\bdropout\b[^\d\n|]{{0,12}}?(?P<value>{_NUM}){_END}\s*+(?P<pct>%)?", re.I)
_WEIGHT_DECAY = re.compile(rf"\bweight.?decay\b[^\d\n|]{{0,12}}?(?P<value>{_NUM}){_END}", re.I)
_ROLE = (
    r"(?P<role>train(?:ing)?|val(?:id|idation)?|test|dev)\b"
    r"(?P<gap>(?:[^\d\n](?!\btrain(?:ing)?\b|\bval\w*|\btest\b)){0,25}?)"
)
_SCORE_AFTER_ROLE = re.compile(
    rf"\b{_ROLE}(?P<value>{_NUM}){_END}\s*+(?P<pct>%)?(?!\s*+(?:epochs?|steps|samples|rows|images))",
    re.IGNORECASE,
)
_SCORE_BEFORE_ROLE = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*+(?P<pct>%)?\s*+(?:acc\w*\s++|accuracy\s++)?(?:(?:on|in)\s++(?:the\s++)?)?"
    r"(?P<role>train(?:ing)?|val(?:id|idation)?|test|dev)\b",
    re.IGNORECASE,
)


def _percent(value: float, pct: str | None) -> float:
    return value if pct or value > 1.0 else value * 100.0


_LETTERS = re.compile(r"[a-zA-Z]+")


def _words_before(text: str, start: int, count: int = 2) -> list[str]:
    """The last ``count`` words before ``start``, within ``LOOK_BACK_CHARS``."""
    reach = max(0, start - LOOK_BACK_CHARS)
    found = _LETTERS.finditer(text, reach, start)
    words = [
        m.group().lower() for m in found if not (m.start() == reach and _letter_before(text, reach))
    ]
    return words[-count:]


def _letter_before(text: str, at: int) -> bool:
    return at > 0 and text[at - 1].isascii() and text[at - 1].isalpha()


def read_learning_rate(text: str, context: Context) -> Value | None:
    match = _LR.search(text) or _LR_BEFORE.search(text)
    if match is None:
        return None
    lr = _number(match.group("value"))
    return learning_rate_level(lr, context.optimizer) if lr > 0 else None


def read_epochs(text: str) -> Value | None:
    for match in _EPOCHS.finditer(text):
        before = _words_before(text, match.start())
        count = _count(match.group("value"), match.group("mult"))
        unit = match.group("unit").lower()
        level = epochs_level(count, unit)
        if not unit.startswith("epoch") and not _TRAINING_WORDS & set(
            _words_before(text, match.start(), 4)
        ):
            continue  # "sequences of 2000 steps" is a length, not a training time
        if before and before[-1] == "after":
            # "nan after 3 epochs" says when it broke; "after 200 epochs" still says it ran long
            if level == "many":
                return level
            continue
        if before and (before[-1] in _TIME_MARKERS or before[-1].startswith("epoch")):
            continue
        return level
    return None


def read_dataset_size(text: str, context: Context) -> Value | None:
    for match in _SIZE.finditer(text):
        before = _words_before(text, match.start(), 3)
        if _PER_BATCH.match(text, match.end()) or any(w.startswith("batch") for w in before):
            continue
        count = _count(match.group("value"), match.group("mult"))
        if _PER_CLASS.match(text, match.end()):
            if context.classes is None:
                continue
            count *= context.classes
        return dataset_size_level(count)
    return None


def read_class_balance(text: str, context: Context) -> Value | None:
    for clause in re.split(r"[|\n]", text):
        if not _CLASS_WORDS.search(clause) or _METRIC_WORDS.search(clause):
            continue
        share = _SHARE.search(clause)
        if share:
            return class_balance_level(share_ratio(_number(share.group("value")), context.classes))
        ratio = _RATIO.search(clause)
        if ratio and ratio.group("times"):
            return class_balance_level(_number(ratio.group("times")))
        if ratio:
            a, b = sorted((_number(ratio.group("a")), _number(ratio.group("b"))))
            return class_balance_level(math.inf if a <= 0 else b / a)
    return None


def read_loss_at_chance(text: str, context: Context) -> tuple[Value | None, bool]:
    """``("yes", _)`` when a stated loss sits at ln(k); the flag says a loss was negative."""
    values: list[float] = []
    for match in _LOSS_VALUE.finditer(text):
        values.append(_number(match.group("after") or match.group("value")))
    stuck_values = [_number(m.group("value")) for m in _STUCK_VALUE.finditer(text)]
    negative = any(v < 0 for v in values)
    for value in values:
        if value > 0 and chance_class_count(value, context) is not None:
            return "yes", negative
    stuck = replace(context, stuck=True)
    for value in stuck_values:
        if value > 0 and chance_class_count(value, stuck) is not None:
            return "yes", negative
    return None, negative


@dataclass(frozen=True)
class _Score:
    role: str
    """"train" or "valid"."""
    kind: str
    """"loss" or "accuracy"."""
    value: float


def _scores(text: str) -> list[_Score]:
    """Scores named with their split, in the form the text uses most: "99% on train and 55%
    on test" must not also read as "train and 55%"."""
    before = [_score(m, "accuracy") for m in _SCORE_BEFORE_ROLE.finditer(text)]
    if {s.role for s in before} == {"train", "valid"}:
        return before
    scores: list[_Score] = []
    for match in _SCORE_AFTER_ROLE.finditer(text):
        gap = match.group("gap").lower()
        kind = "loss" if "loss" in gap or "error" in gap else "accuracy"
        scores.append(_score(match, kind))
    return scores + before


def _score(match: re.Match[str], kind: str) -> _Score:
    role = "train" if match.group("role").lower().startswith("train") else "valid"
    value = _number(match.group("value"))
    if kind == "accuracy":
        value = _percent(value, match.group("pct"))
    return _Score(role=role, kind=kind, value=value)


def read_train_valid_gap(text: str) -> Value | None:
    scores = _scores(text)
    for kind in ("accuracy", "loss"):
        train = [s.value for s in scores if s.role == "train" and s.kind == kind]
        valid = [s.value for s in scores if s.role == "valid" and s.kind == kind]
        if not valid and kind == "loss":
            # "train loss 0.1, val 2.5": the second score takes the first one's kind
            valid = [s.value for s in scores if s.role == "valid"]
        if train and valid:
            return _gap_level(train[0], valid[0], kind)
    return None


def _gap_level(train: float, valid: float, kind: str) -> Value | None:
    if kind == "accuracy":
        gap = train - valid
        if gap >= 10.0:
            return "large"
        if gap <= -3.0:
            return "valid_better"
        return "none" if abs(gap) <= 3.0 else None
    if valid >= 1.5 * train and valid - train >= 0.05:
        return "large"
    if valid <= 0.9 * train:
        return "valid_better"
    return "none" if abs(valid - train) <= 0.1 * train else None


def read_accuracy_level(text: str, context: Context) -> Value | None:
    found: list[tuple[str, float]] = []
    for pattern in (_ACCURACY, _ACCURACY_AFTER):
        for match in pattern.finditer(text):
            role = (match.group("role") or "").lower()
            value = _number(match.group("value"))
            if "upper" in match.re.groupindex and match.group("upper"):
                value = (value + _number(match.group("upper"))) / 2  # "50-60%": the middle
            found.append((role, _percent(value, match.group("pct"))))
    auc = _AUC.search(text)
    if auc:
        auc_percent = _percent(_number(auc.group("value")), None)
        if abs(auc_percent - 50.0) <= 2.0:
            return "chance"
        if auc_percent >= 90.0:
            return "high"
    held_out = [value for role, value in found if not role.startswith("train")]
    return accuracy_level(held_out[0], context) if held_out else None


def read_regularisation(text: str, context: Context) -> Value | None:
    levels: list[Value] = []
    dropout = _DROPOUT.search(text)
    if dropout:
        p = _number(dropout.group("value")) / (100.0 if dropout.group("pct") else 1.0)
        if 0 < p < 1:
            levels.append("strong" if p >= 0.5 else "moderate")
    decay = _WEIGHT_DECAY.search(text)
    if decay and _number(decay.group("value")) > 0:
        # AdamW's default is 0.01 and its decay is scaled by the learning rate: not strong
        strong_at = 0.1 if context.adamw else 0.01
        levels.append("strong" if _number(decay.group("value")) >= strong_at else "moderate")
    if "strong" in levels:
        return "strong"
    return levels[0] if levels else None


def read_numbers(text: str, context: Context) -> tuple[dict[FactId, Value], dict[FactId, Value]]:
    """Facts from the numbers in ``text``: ``(precise, fallback)``.

    Precise ones (a learning rate, an epoch count) beat what the phrases say; fallbacks (the
    task from a class count, a negative loss) only fill gaps.
    """
    precise: dict[FactId, Value] = {}
    readers: list[tuple[FactId, Callable[[], Value | None]]] = [
        ("learning_rate", lambda: read_learning_rate(text, context)),
        ("epochs", lambda: read_epochs(text)),
        ("dataset_size", lambda: read_dataset_size(text, context)),
        ("class_balance", lambda: read_class_balance(text, context)),
        ("train_valid_gap", lambda: read_train_valid_gap(text)),
        ("accuracy_level", lambda: read_accuracy_level(text, context)),
        ("regularisation", lambda: read_regularisation(text, context)),
    ]
    for fact, reader in readers:
        value = reader()
        if value is not None:
            precise[fact] = value
    at_chance, negative = read_loss_at_chance(text, context)
    if at_chance:
        precise["loss_at_chance"] = at_chance
    fallback: dict[FactId, Value] = {}
    if negative:
        fallback["loss_trend"] = "negative"
    if context.classes:
        fallback["task"] = "binary" if context.classes == 2 else "multiclass"
    return precise, fallback


# -- the text model ---------------------------------------------------------------------

_COMMON_WORDS = (
    "a an the i im my me we our it its is are was were be been am do does did to of in on "
    "at for with and or but so this that these those there here what how why when which "
    "who not no yes dont doesnt didnt isnt cant wont just very really also get got have "
    "has had can could would should will about all any some more most after before then "
    "than"
)
_STOP_WORDS = frozenset(_COMMON_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")


def _model_text(text: str) -> str:
    return re.sub(r"['’‘`]", "", text).replace("|", " ").lower().strip()


@dataclass(frozen=True)
class TextModel:
    """Logistic regression over character and word n-grams of the labelled phrasings: one
    binary model per label, their probabilities normalised to sum to one."""

    features: Any
    """The fitted TF-IDF union."""
    weights: Any
    """One row of coefficients per label."""
    intercepts: Any
    labels: list[str]
    vocabulary: frozenset[str]
    """Content words of the labelled sentences: text without any of them is not guessed at."""
    seen: dict[str, list[tuple[str, float]]] = field(default_factory=dict, compare=False)
    """Guesses already made: the engine reads every message again on each replay."""

    def guess(self, text: str) -> list[tuple[str, float]]:
        """Labels with their probability, best first; empty when no word is familiar."""
        cleaned = _model_text(text)
        if cleaned not in self.seen:
            if len(self.seen) >= GUESSES_KEPT:
                self.seen.clear()
            self.seen[cleaned] = self._rank(cleaned)
        return list(self.seen[cleaned])

    def _rank(self, cleaned: str) -> list[tuple[str, float]]:
        if not set(_WORD.findall(cleaned)) & self.vocabulary:
            return []
        scores = np.asarray(self.features.transform([cleaned]) @ self.weights.T)[0]
        # what OneVsRestClassifier.predict_proba computes, in one product rather than one
        # call per label (about fifty times faster, and the engine reads on every replay)
        probabilities = 1.0 / (1.0 + np.exp(-(scores + self.intercepts)))
        probabilities /= probabilities.sum()
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=lambda lp: -lp[1])
        return [(label, float(p)) for label, p in ranked]


def load_phrasings(path: Path = PHRASINGS) -> list[tuple[str, str]]:
    """(sentence, label) pairs from the phrasings file."""
    raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    groups = raw.get("phrasings") if isinstance(raw, dict) else None
    if not isinstance(groups, dict):
        raise ValueError(
            f"{path}: expected a mapping under 'phrasings' (label -> sentences), "
            f"got {type(groups).__name__}"
        )
    return [(str(sentence), str(label)) for label, items in groups.items() for sentence in items]


@lru_cache(maxsize=2)
def text_model(path: Path = PHRASINGS) -> TextModel:
    """Train the text model on the phrasings at first use; later calls reuse it."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_union

    pairs = load_phrasings(path)
    sentences = [_model_text(sentence) for sentence, _ in pairs]
    labels = [label for _, label in pairs]
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[a-z0-9]+"),
    )
    # One binary liblinear model per label: a tenth of the time of one multinomial lbfgs
    # model over the same features, with much the same probabilities.
    classifier = OneVsRestClassifier(LogisticRegression(C=20.0, solver="liblinear", random_state=0))
    classifier.fit(features.fit_transform(sentences), labels)
    vocabulary = frozenset(
        word
        for sentence, label in zip(sentences, labels, strict=True)
        if label != NONE_LABEL
        for word in _WORD.findall(sentence)
        if word not in _STOP_WORDS and not word.isdigit()
    )
    estimators = classifier.estimators_
    return TextModel(
        features=features,
        weights=np.vstack([e.coef_[0] for e in estimators]),
        intercepts=np.array([e.intercept_[0] for e in estimators]),
        labels=[str(label) for label in classifier.classes_],
        vocabulary=vocabulary,
    )


# -- the reader -------------------------------------------------------------------------

_YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|ya|y|sure|correct|right|true|indeed|i do|we do|it does|it is|"
    r"i did|we did|of course|definitely|absolutely)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\s*(?:no|nope|nah|n|not really|false|never|i dont|we dont|it doesnt|it isnt|i didnt|"
    r"we didnt|not at all)\b",
    re.IGNORECASE,
)
_ANSWER_NUMBER = re.compile(
    rf"(?P<value>{_NUM}){_END}\s*(?P<mult>k|m|mil|thousand|million)?\b\s*+(?P<pct>%)?", re.I
)
_RATIO_ANSWER = re.compile(rf"(?P<a>{_NUM}){_END}\s*+(?::|/|to)\s*+(?P<b>{_NUM}){_END}")
_BARE_NUMBER = re.compile(r"\d*\.\d+")
_GENERIC_PARTS = frozenset({"very", "with", "too", "custom", "based", "after", "raw", "one"})


class TextReader:
    def __init__(self, kb: KnowledgeBase, phrasings: Path = PHRASINGS) -> None:
        self.kb = kb
        self.phrasings = phrasings
        self._phrases = Phrases.compile(kb.phrases)
        self._yes_no = {fact: self._yes_no_values(fact) for fact in kb.facts}

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
        text = bounded(text)
        cleaned = clean(text)
        if not _HAS_CONTENT.search(cleaned):
            return Reading()
        reading = self._read_free(text, cleaned, known or {})
        if expecting is None or expecting not in self.kb.facts or expecting in reading.facts:
            return reading
        return self._read_answer(cleaned, expecting, reading, known or {})

    # -- free text ----------------------------------------------------------------------

    def _read_free(self, text: str, cleaned: str, known: Mapping[FactId, Value]) -> Reading:
        phrases = match_phrases(self._phrases, cleaned)
        context = self._context(cleaned, phrases.facts, known)
        precise, fallback = read_numbers(cleaned, context)
        facts = {**phrases.facts, **precise}
        for fact, value in fallback.items():
            facts.setdefault(fact, value)
        # a lone "0.693" is almost always a loss quoted at ln 2
        lone = cleaned.strip()
        if not facts and _BARE_NUMBER.fullmatch(lone) and chance_class_count(float(lone), context):
            facts["loss_at_chance"] = "yes"
        facts = self._valid(facts)
        if facts or phrases.negated or _LOSS_VALUE.search(cleaned):
            # understood, just not worth a fact ("the loss is not nan", "the loss is 3.1"):
            # the text model would miss the "not" or the number
            return Reading(facts=facts)
        return self._guess(text)

    def _context(
        self, cleaned: str, facts: Mapping[FactId, Value], known: Mapping[FactId, Value]
    ) -> Context:
        def either(fact: FactId) -> Value | None:
            return facts.get(fact) or known.get(fact)

        return Context(
            classes=class_count(cleaned),
            optimizer=either("optimizer"),
            task=either("task"),
            loss_function=either("loss_function"),
            adamw=bool(re.search(r"\badam_?w\b", cleaned, re.IGNORECASE)),
            stuck=either("loss_trend") in ("flat", "plateau_high"),
        )

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
        if p >= SURE_AT:
            return Reading(facts={fact: value})
        unsure = [(f, v) for f, v, q in guesses[:MAX_CANDIDATES] if q >= ASK_AT]
        return Reading(unsure=unsure)

    # -- answers to the pending question -------------------------------------------------

    def _read_answer(
        self, cleaned: str, fact: FactId, reading: Reading, known: Mapping[FactId, Value]
    ) -> Reading:
        short = len(cleaned.split()) <= SHORT_ANSWER_WORDS
        offered = [value for f, value in reading.unsure if f == fact]
        number = self._number_answer(cleaned, fact, known)
        values: list[Value] = offered or ([number] if number else [])
        if not values and short:
            values = self._word_answer(cleaned, fact)
        if not values:
            return reading
        # "relu" read freely is a hidden activation; as the answer about the output layer
        # it is that instead, so the free reading of the same words is dropped
        kept = reading.facts if number else {}
        if len(values) == 1:
            return Reading(facts={**kept, fact: values[0]})
        return Reading(facts=dict(kept), unsure=[(fact, value) for value in values])

    def _word_answer(self, cleaned: str, fact: FactId) -> list[Value]:
        named = self._named_values(cleaned, fact)
        if named:
            return named
        for pattern, word in ((_YES, "yes"), (_NO, "no")):
            if pattern.search(cleaned) and word in self._yes_no[fact]:
                return [self._yes_no[fact][word]]
        return []

    def _number_answer(
        self, cleaned: str, fact: FactId, known: Mapping[FactId, Value]
    ) -> Value | None:
        match = _ANSWER_NUMBER.search(cleaned)
        if match is None:
            return None
        context = self._context(cleaned, {}, known)
        value = _number(match.group("value"))
        count = _count(match.group("value"), match.group("mult"))
        if fact == "learning_rate" and value > 0:
            return learning_rate_level(value, context.optimizer)
        if fact == "epochs":
            unit = "steps" if re.search(r"\b(steps|iter\w*|updates)\b", cleaned) else "epochs"
            return epochs_level(count, unit)
        if fact == "dataset_size":
            return dataset_size_level(count)
        if fact == "depth":
            return "deep" if value >= 10 else "shallow"
        if fact == "class_balance":
            ratio = _RATIO_ANSWER.search(cleaned)
            if ratio:
                a, b = sorted((_number(ratio.group("a")), _number(ratio.group("b"))))
                return class_balance_level(math.inf if a <= 0 else b / a)
            if match.group("pct"):
                return class_balance_level(share_ratio(value, context.classes))
            return None
        if fact == "accuracy_level":
            return accuracy_level(_percent(value, match.group("pct")), context)
        if fact == "loss_at_chance" and value > 0:
            return "yes" if chance_class_count(value, context) is not None else None
        return None

    def _named_values(self, cleaned: str, fact: FactId) -> list[Value]:
        """Values of ``fact`` the answer names: "relu", "very high", "tanh" (sigmoid_tanh)."""
        text = re.sub(r"[^a-z0-9_ ]", " ", cleaned.lower())
        text = " ".join(w for w in text.split() if w not in ("a", "an", "the", "it", "is"))
        values = self.kb.facts[fact].values
        for value in values:
            if text in (value, value.replace("_", " ")):
                return [value]
        words = set(text.split())
        named = [v for v in values if re.search(rf"\b{re.escape(v.replace('_', ' '))}\b", text)]
        if named:
            return named
        return [
            v
            for v in values
            if any(
                part in words and len(part) >= 3 and part not in _GENERIC_PARTS
                for part in v.split("_")
            )
        ]

    def _yes_no_values(self, fact: FactId) -> dict[str, Value]:
        """What "yes" and "no" mean for ``fact``: its own yes/no values, or the values of
        the choices whose labels start with "yes" or "no" ("no error" -> crash ``none``)."""
        values = self.kb.facts[fact].values
        mapping: dict[str, Value] = {word: word for word in ("yes", "no") if word in values}
        for question in self.kb.questions_for(fact):
            for choice in question.choices:
                first = re.match(r"\s*(yes|no)\b", choice.label, re.IGNORECASE)
                if first:
                    mapping.setdefault(first.group(1).lower(), choice.value)
        if "none" in values:
            mapping.setdefault("no", "none")
        return mapping
