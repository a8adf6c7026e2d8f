"""Turn what the user types into facts.

First the knowledge base's phrases (regular expressions written by people); the reading is
confident only where a phrase matched. Anything unsure is returned as candidates so the engine
asks a clarifying question instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.loader import KnowledgeBase
from knowledge.types import FactId, Value


@dataclass(frozen=True)
class Reading:
    facts: dict[FactId, Value] = field(default_factory=dict)
    """Facts the text states clearly."""
    unsure: list[tuple[FactId, Value]] = field(default_factory=list)
    """Readings that need the user's confirmation, best first."""

    @property
    def empty(self) -> bool:
        return not self.facts and not self.unsure


class TextReader:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._patterns = [
            (re.compile(phrase.pattern, re.IGNORECASE), phrase.sets) for phrase in kb.phrases
        ]

    def read(self, text: str, expecting: FactId | None = None) -> Reading:
        facts: dict[FactId, Value] = {}
        for pattern, sets in self._patterns:
            if pattern.search(text):
                for fact, value in sets.items():
                    facts.setdefault(fact, value)
        return Reading(facts=facts)
