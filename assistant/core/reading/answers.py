"""Answers to a pending question: "adam", "1e-3", "10", "yes", read against its fact's values."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from assistant.core.reading.numbers import (
    END,
    NUM,
    accuracy_level,
    chance_class_count,
    class_balance_level,
    context_of,
    dataset_size_level,
    epochs_level,
    learning_rate_level,
    share_ratio,
    to_count,
    to_number,
    to_percent,
)
from knowledge.loader import KnowledgeBase
from knowledge.types import FactId, Value

SHORT_ANSWER_WORDS = 6
"""Answers up to this many words are read against the pending question's values."""

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
    rf"(?P<value>{NUM}){END}\s*(?P<mult>k|m|mil|thousand|million)?\b\s*+(?P<pct>%)?", re.I
)
_RATIO_ANSWER = re.compile(rf"(?P<a>{NUM}){END}\s*+(?::|/|to)\s*+(?P<b>{NUM}){END}")
_GENERIC_PARTS = frozenset({"very", "with", "too", "custom", "based", "after", "raw", "one"})


class Answers:
    """Reads a reply as the answer to a question about one fact of ``kb``."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._yes_no = {fact: self._yes_no_values(fact) for fact in kb.facts}

    def values(
        self, cleaned: str, fact: FactId, offered: list[Value], known: Mapping[FactId, Value]
    ) -> tuple[list[Value], bool]:
        """The values of ``fact`` the answer names, and whether it named them by a number.

        ``offered`` are the values the free reading found unsure: they are the answer when
        there are some.
        """
        number = self.number(cleaned, fact, known)
        values: list[Value] = offered or ([number] if number else [])
        if not values and len(cleaned.split()) <= SHORT_ANSWER_WORDS:
            values = self.words(cleaned, fact)
        return values, number is not None

    def words(self, cleaned: str, fact: FactId) -> list[Value]:
        named = self._named_values(cleaned, fact)
        if named:
            return named
        for pattern, word in ((_YES, "yes"), (_NO, "no")):
            if pattern.search(cleaned) and word in self._yes_no[fact]:
                return [self._yes_no[fact][word]]
        return []

    def number(self, cleaned: str, fact: FactId, known: Mapping[FactId, Value]) -> Value | None:
        match = _ANSWER_NUMBER.search(cleaned)
        if match is None:
            return None
        context = context_of(cleaned, {}, known)
        value = to_number(match.group("value"))
        count = to_count(match.group("value"), match.group("mult"))
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
                a, b = sorted((to_number(ratio.group("a")), to_number(ratio.group("b"))))
                return class_balance_level(math.inf if a <= 0 else b / a)
            if match.group("pct"):
                return class_balance_level(share_ratio(value, context.classes))
            return None
        if fact == "accuracy_level":
            return accuracy_level(to_percent(value, match.group("pct")), context)
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
