"""Forward chaining: derive facts from facts until nothing new follows."""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.schema import Rule
from knowledge.types import FactId, Value


def derive(facts: Mapping[FactId, Value], rules: list[Rule]) -> dict[FactId, tuple[Value, Rule]]:
    """Facts the rules add to ``facts`` (never overriding one already known), with their rule."""
    known = dict(facts)
    derived: dict[FactId, tuple[Value, Rule]] = {}
    changed = True
    while changed:
        changed = False
        for rule in rules:
            if all(known.get(fact) in values for fact, values in rule.when.items()):
                for fact, value in rule.then.items():
                    if fact not in known:
                        known[fact] = value
                        derived[fact] = (value, rule)
                        changed = True
    return derived
