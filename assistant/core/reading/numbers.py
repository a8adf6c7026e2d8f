"""Numbers read in context: a loss at ln(k), an accuracy at chance, learning rates (against
the optimizer), epochs, sample counts, class shares, train against validation scores."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import accumulate

from assistant.core.reading.patterns import Sifted
from assistant.core.reading.words import LOOK_BACK_CHARS
from knowledge.loader import bundled
from knowledge.schema import RegularisationLevels
from knowledge.types import FactId, Regulariser, Value

# A number is read from its first digit only (``(?<!\d)``), its runs of digits are never
# given back (``(?>...)``: a shorter run is followed by a digit, which END refuses anyway)
# and END only walks the dots after it. Without these, a line of digits took time in the
# cube of its length: every start, every length, and a scan to the end for each. A number
# glued to a word is part of a name ("CIFAR-10", "ResNet-18", "fp16", "top-5"), never a value.
NUM = (
    r"(?<![A-Za-z])(?<![A-Za-z]-)"
    r"[-+]?+(?<!\d)(?:(?>\d+)(?:\.(?>\d*))?|\.(?>\d+))(?:e[-+]?+(?>\d+))?"
)
END = r"(?!\.*+\d)"  # the whole number, not a prefix of it ("1.2.3" is no number)
#: Between a metric's name and its value: anything but a number, a line's end or a table bar;
#: digits glued to a word are a name ("CIFAR-10", "ResNet50") and may stand there too.
_NOT_A_VALUE = r"(?:[^\d\n|]|(?<=[A-Za-z])-?+\d++)"
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

_CLASS_COUNT = Sifted(
    rf"\b(?P<count>\d+|{'|'.join(_WORD_NUMBERS)})[- ](?:output |target |different )?"
    r"(?:classes|categories|class\b|way\b|labels\b|kinds of|types of)",
    re.IGNORECASE,
)
_DATASET_NAME = Sifted(r"\b(fashion.?mnist|mnist|cifar.?100|cifar.?10|imagenet)\b", re.I)


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


def chance_margin(chance_percent: float) -> float:
    """How far from the chance level an accuracy still reads as chance, in points: a tenth
    of the level, at least two. A coin flip scored on a few hundred examples lands anywhere
    from 45% to 55%; at 10% (ten classes) 12% is already above chance."""
    return max(2.0, chance_percent / 10.0)


def accuracy_level(percent: float, context: Context) -> Value | None:
    classes = context.classes or (2 if context.task == "binary" else None)
    if classes and abs(percent - 100.0 / classes) <= chance_margin(100.0 / classes):
        return "chance"
    if classes is None and abs(percent - 50.0) <= chance_margin(50.0):
        return "chance"  # the commonest complaint: a binary classifier at a coin flip
    if percent >= 90.0:
        return "high"
    return None


def to_number(text: str) -> float:
    return float(text)


def to_count(value: str, multiplier: str | None) -> float:
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mil": 1e6, "million": 1e6}
    return float(value) * scale.get((multiplier or "").lower(), 1.0)


_LR = Sifted(
    rf"\b(?:lr|learning[ _-]?rate|step size)\b[^\d\n|-]{{0,15}}?(?P<value>{NUM}){END}(?!\s*+%)",
    re.IGNORECASE,
)
_LR_BEFORE = Sifted(
    rf"(?P<value>{NUM}){END}\s*+(?:as (?:the |my )?|for (?:the )?)?(?:lr|learning rate)\b",
    re.IGNORECASE,
)
_EPOCHS = Sifted(
    rf"(?P<value>{NUM}){END}\s*+(?P<mult>k\b)?\s*+(?P<unit>epochs?|steps|iterations|iters|updates)\b",
    re.IGNORECASE,
)
_TRAINING_WORDS = {"for", "trained", "train", "training", "ran", "run", "after", "only", "just"}
_TIME_MARKERS = {"after", "at", "by", "in", "within", "until", "around", "since", "from", "before"}
_SIZE = Sifted(
    rf"(?P<value>{NUM}){END}\s*+(?P<mult>k|m|mil|thousand|million)?\s*+"
    r"(?:training |labell?ed |train |total )?"
    r"(?P<unit>samples?|examples?|rows|images|pictures|photos|data ?points|records|instances|"
    r"sentences|documents|texts|observations|items|sequences|patients|entries)\b",
    re.IGNORECASE,
)
_PER_CLASS = re.compile(r"\s*+(?:per|each|for each|in each|of each)\s++(?:class|category)", re.I)
_PER_BATCH = re.compile(r"\s*+(?:per|each|a|in each|in a)\s++(?:batch|step|epoch|second)", re.I)
_SHARE = Sifted(rf"(?P<value>{NUM}){END}\s*+%", re.IGNORECASE)
_CLASS_WORDS = Sifted(
    r"\b(?:class(?:es)?|labels?|positives?|negatives?|minority|majority|zeros|ones|fraud\w*|spam|"
    r"defaults?|anomal\w*|samples are|examples are|"
    r"of (?:the |my )?(?:data|dataset|samples|rows))\b",
    re.IGNORECASE,
)
_METRIC_WORDS = Sifted(
    r"\b(?:acc\w*|f1|auc|score|precision|recall|loss|val\w*|train\w*|test|split|dropout|lr|"
    r"learning rate|error|confiden\w*|probabilit\w*|memory|gpu|cpu)\b",
    re.IGNORECASE,
)
_RATIO = Sifted(
    rf"(?P<a>{NUM}){END}\s*+(?::|/|to(?= \S+ ratio))\s*+(?P<b>{NUM}){END}"
    rf"|(?P<times>{NUM}){END}\s*+(?:x|times)\s++(?:more|as many|as common|as frequent)",
    re.IGNORECASE,
)
LOSS_VALUE = Sifted(
    rf"(?<!val )(?<!val_)(?<!validation )(?<!test )\b(?:loss|cost)\b[^\d\n|%]{{0,40}}?"
    rf"(?P<value>{NUM}){END}(?!\s*+(?:%|epochs?|steps|iterations|iters|classes|samples))"
    rf"(?:\s*+(?:to|->|→)\s*+(?P<after>{NUM}){END})?",
    re.IGNORECASE,
)
_STUCK_VALUE = Sifted(
    rf"\b(?:stuck|plateau\w*|stays?|hovers?|sits?|remains?|flat\w*)\s++(?:at|around|near|on|about)"
    rf"\s++(?:~\s*+)?(?P<value>{NUM}){END}(?!\s*+%)",
    re.IGNORECASE,
)
_ACCURACY = Sifted(
    rf"\b(?P<role>(?:val\w*|validation|test|dev|train\w*)\s*+(?:set\s*+)?)?(?:acc|accuracy)\b"
    rf"{_NOT_A_VALUE}{{0,30}}?(?P<value>{NUM}){END}(?:\s*+(?:-|to)\s*+(?P<upper>{NUM}){END})?"
    r"\s*+(?P<pct>%)?(?!\s*+(?:epochs?|steps|iterations|iters|classes|samples|layers|hours|minutes|days)\b)",
    re.IGNORECASE,
)
_ACCURACY_AFTER = Sifted(
    rf"(?P<value>{NUM}){END}\s*+(?P<pct>%)\s*+(?P<role>(?:val\w*|validation|test|train\w*)\s++)?"
    r"(?:acc|accuracy)\b",
    re.IGNORECASE,
)
_AUC = Sifted(rf"\b(?:roc.?)?auc\b[^\d\n|]{{0,20}}?(?P<value>{NUM}){END}", re.I)
_DROPOUT = Sifted(rf"\bdropout\b[^\d\n|]{{0,12}}?(?P<value>{NUM}){END}\s*+(?P<pct>%)?", re.I)
_WEIGHT_DECAY = Sifted(rf"\bweight.?decay\b[^\d\n|]{{0,12}}?(?P<value>{NUM}){END}", re.I)
_ROLE = (
    r"(?P<role>train(?:ing)?|val(?:id|idation)?|test|dev)(?:\b|(?=_))"  # "val_acc" too
    r"(?P<gap>(?:[^\d\n](?!\btrain(?:ing)?\b|\bval\w*|\btest\b)){0,25}?)"
)
_SCORE_AFTER_ROLE = Sifted(
    rf"\b{_ROLE}(?P<value>{NUM}){END}\s*+(?P<pct>%)?(?!\s*+(?:epochs?|steps|samples|rows|images))",
    re.IGNORECASE,
)
_SCORE_BEFORE_ROLE = Sifted(
    rf"(?P<value>{NUM}){END}\s*+(?P<pct>%)?\s*+(?:acc\w*\s++|accuracy\s++)?"
    r"(?:(?:on|in)\s++(?:(?:the|my|our)\s++)?)?"
    r"(?P<role>train(?:ing)?|val(?:id|idation)?|test|dev)\b",
    re.IGNORECASE,
)


def to_percent(value: float, pct: str | None) -> float:
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
    lr = to_number(match.group("value"))
    return learning_rate_level(lr, context.optimizer) if lr > 0 else None


def read_epochs(text: str) -> Value | None:
    for match in _EPOCHS.finditer(text):
        before = _words_before(text, match.start())
        count = to_count(match.group("value"), match.group("mult"))
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
        count = to_count(match.group("value"), match.group("mult"))
        if _PER_CLASS.match(text, match.end()):
            if context.classes is None:
                continue
            count *= context.classes
        return dataset_size_level(count)
    return None


def read_class_balance(text: str, context: Context) -> Value | None:
    """From a share or a ratio in a clause that names classes and no metric."""
    clauses = _CLAUSE_END.split(text)
    starts = list(accumulate((len(clause) + 1 for clause in clauses[:-1]), initial=0))
    for index in sorted(_clauses_with(_CLASS_WORDS, text, starts)):
        clause = clauses[index]
        if _METRIC_WORDS.search(clause):
            continue
        share = _SHARE.search(clause)
        if share:
            return class_balance_level(
                share_ratio(to_number(share.group("value")), context.classes)
            )
        ratio = _RATIO.search(clause)
        if ratio and ratio.group("times"):
            return class_balance_level(to_number(ratio.group("times")))
        if ratio:
            a, b = sorted((to_number(ratio.group("a")), to_number(ratio.group("b"))))
            return class_balance_level(math.inf if a <= 0 else b / a)
    return None


_CLAUSE_END = re.compile(r"[|\n]")


def _clauses_with(words: Sifted, text: str, starts: list[int]) -> set[int]:
    """Which clauses of ``text`` (starting at ``starts``) hold a match of ``words``.

    Searched in the whole text at once, not clause by clause: no match takes in a clause's
    end, and ``\\b`` reads a clause's end as it reads the end of a text, so each clause
    that holds a match holds one that the search of the whole text finds.
    """
    return {bisect.bisect_right(starts, match.start()) - 1 for match in words.finditer(text)}


def read_loss_at_chance(text: str, context: Context) -> tuple[Value | None, bool]:
    """``("yes", _)`` when a stated loss sits at ln(k); the flag says a loss was negative."""
    values: list[float] = []
    for match in LOSS_VALUE.finditer(text):
        values.append(to_number(match.group("after") or match.group("value")))
    stuck_values = [to_number(m.group("value")) for m in _STUCK_VALUE.finditer(text)]
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
    percent: bool = False
    """Written as a percentage ("91%"), which a loss never is."""


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


def quotes_scores(text: str) -> bool:
    """Whether the text gives a training and a validation score ("train 95%, val 87%"): what
    their gap says is the numbers' to read, even when it falls between the levels."""
    return {score.role for score in _scores(text)} >= {"train", "valid"}


def _score(match: re.Match[str], kind: str) -> _Score:
    role = "train" if match.group("role").lower().startswith("train") else "valid"
    value = to_number(match.group("value"))
    if kind == "accuracy":
        value = to_percent(value, match.group("pct"))
    return _Score(role=role, kind=kind, value=value, percent=bool(match.group("pct")))


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
            value = to_number(match.group("value"))
            if "upper" in match.re.groupindex and match.group("upper"):
                value = (value + to_number(match.group("upper"))) / 2  # "50-60%": the middle
            percent = to_percent(value, match.group("pct"))
            if percent <= 100.0:  # "accuracy: 401 / 4200" is a count, not a share
                found.append((role, percent))
    auc = _AUC.search(text)
    if auc:
        auc_percent = to_percent(to_number(auc.group("value")), None)
        if abs(auc_percent - 50.0) <= 2.0:
            return "chance"
        if auc_percent >= 90.0:
            return "high"
    held_out = [value for role, value in found if not role.startswith("train")]
    if not held_out:
        # "91% on my validation set": a percentage named by its split and no metric is the
        # accuracy people quote by default
        held_out = [
            s.value
            for s in _scores(text)
            if s.role == "valid" and s.kind == "accuracy" and s.percent
        ]
    return accuracy_level(held_out[0], context) if held_out else None


def regularisation_level(
    kind: Regulariser, value: float, levels: RegularisationLevels | None = None
) -> Value | None:
    """``strong`` or ``moderate`` for a positive setting, by the levels in
    ``knowledge/thresholds.yaml`` (the bundled ones unless given); None for zero, or for a
    dropout that is no probability."""
    return (levels or bundled().thresholds.regularisation).level(kind, value)


def read_regularisation(text: str, context: Context) -> Value | None:
    levels: list[Value | None] = []
    dropout = _DROPOUT.search(text)
    if dropout:
        p = to_number(dropout.group("value")) / (100.0 if dropout.group("pct") else 1.0)
        levels.append(regularisation_level("dropout", p))
    decay = _WEIGHT_DECAY.search(text)
    if decay:
        # AdamW's decay is decoupled and scaled by the learning rate: its usual values are larger
        kind: Regulariser = "decoupled_weight_decay" if context.adamw else "weight_decay"
        levels.append(regularisation_level(kind, to_number(decay.group("value"))))
    if "strong" in levels:
        return "strong"
    return next((level for level in levels if level is not None), None)


# A tensor shape as users paste it: "(64, 1)", "(64,)", "torch.Size([32, 1])", "[32]". The
# text is cleaned, so its commas read " | ".
_SHAPE = Sifted(
    r"(?:torch\.Size\(\[|\(|\[)\s*+(?P<dims>(?>\d+)(?:\s*+[,|]\s*+(?>\d+))*+)\s*+(?P<comma>[,|])?\s*+(?:\]\)|\)|\])",
    guard=False,  # it starts with '(', '[' or 'torch': the engine skips to those
)
HUGE_LOSS = 1e4
"""A loss from this value on says the targets (or inputs) are far from unit scale."""


def shapes(text: str) -> list[tuple[int, ...]]:
    """The tensor shapes ``text`` names; a single number counts only as "(64,)" or "[64]"."""
    found: list[tuple[int, ...]] = []
    for match in _SHAPE.finditer(text):
        dims = tuple(int(d) for d in re.split(r"\s*[,|]\s*", match.group("dims")))
        single_written_as_shape = match.group("comma") or match.group().startswith(("[", "torch"))
        if len(dims) > 1 or single_written_as_shape:
            found.append(dims)
    return found


def read_broadcast(text: str) -> Value | None:
    """``"yes"`` when an ``(N, 1)`` shape meets another shape of the same batch size ``N``.

    An ``(N, 1)`` output against ``(N,)`` targets (or the reverse) broadcasts to ``(N, N)``
    in an element-wise loss or comparison; ``(N, k)`` scores against ``(N,)`` class indices
    is the usual classification layout and says nothing.
    """
    named = shapes(text)
    columns = {dims[0] for dims in named if len(dims) == 2 and dims[1] == 1 and dims[0] > 1}
    for dims in named:
        if dims[0] in columns and dims != (dims[0], 1):
            return "yes"
    return None


def read_loss_scale(text: str) -> Value | None:
    """``"very_different"`` when a stated loss is huge (:data:`HUGE_LOSS`): unscaled values."""
    for match in LOSS_VALUE.finditer(text):
        if to_number(match.group("value")) >= HUGE_LOSS:
            return "very_different"
    return None


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
        ("broadcast_mismatch", lambda: read_broadcast(text)),
        ("feature_scales", lambda: read_loss_scale(text)),
        # a loss that large is far above what any sensible start gives
        ("init_loss", lambda: "too_high" if read_loss_scale(text) else None),
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


_ADAMW = Sifted(r"\badam_?w\b", re.IGNORECASE)


def context_of(text: str, facts: Mapping[FactId, Value], known: Mapping[FactId, Value]) -> Context:
    """The context of the numbers in ``text``: what it says (``facts``) or the session knows."""

    def either(fact: FactId) -> Value | None:
        return facts.get(fact) or known.get(fact)

    return Context(
        classes=class_count(text),
        optimizer=either("optimizer"),
        task=either("task"),
        loss_function=either("loss_function"),
        adamw=bool(_ADAMW.search(text)),
        stuck=either("loss_trend") in ("flat", "plateau_high"),
    )


_SOURCES: dict[FactId, tuple[Sifted, ...]] = {
    "learning_rate": (_LR, _LR_BEFORE),
    "epochs": (_EPOCHS,),
    "dataset_size": (_SIZE,),
    "class_balance": (_SHARE, _RATIO),
    "train_valid_gap": (_SCORE_AFTER_ROLE, _SCORE_BEFORE_ROLE),
    "accuracy_level": (_ACCURACY, _ACCURACY_AFTER, _AUC),
    "regularisation": (_DROPOUT, _WEIGHT_DECAY),
    "loss_at_chance": (LOSS_VALUE, _STUCK_VALUE),
    "loss_trend": (LOSS_VALUE,),
    "broadcast_mismatch": (_SHAPE,),
    "feature_scales": (LOSS_VALUE,),
    "init_loss": (LOSS_VALUE,),
}
"""The patterns each number reader reads its fact from: the first match is its evidence."""


def number_evidence(text: str, fact: FactId) -> str | None:
    """The words with the number that set ``fact``, or None when no pattern names one."""
    for pattern in _SOURCES.get(fact, ()):
        match = pattern.search(text)
        if match:
            return match.group()
    return None
