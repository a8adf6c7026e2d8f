"""Forward chaining: derive facts from facts until nothing new follows."""

from __future__ import annotations

from collections.abc import Mapping

from knowledge.schema import Rule
from knowledge.types import FactId, Value

Conditions = tuple[tuple[FactId, frozenset[Value]], ...]

#: Each rule's conditions as sets, by the rule's identity: the planner derives thousands of
#: times per turn, and building the sets each time was half its cost.
_compiled: dict[int, tuple[Rule, Conditions]] = {}


def _conditions(rule: Rule) -> Conditions:
    entry = _compiled.get(id(rule))
    if entry is None or entry[0] is not rule:
        entry = (rule, tuple((fact, frozenset(values)) for fact, values in rule.when.items()))
        _compiled[id(rule)] = entry
    return entry[1]


def derive(facts: Mapping[FactId, Value], rules: list[Rule]) -> dict[FactId, tuple[Value, Rule]]:
    """Facts the rules add to ``facts`` (never overriding one already known), with their rule."""
    known = dict(facts)
    derived: dict[FactId, tuple[Value, Rule]] = {}
    pending = [rule for rule in rules if any(f not in known for f in rule.then)]
    changed = True
    while changed and pending:
        changed = False
        for rule in pending:
            if all(known.get(fact) in values for fact, values in _conditions(rule)):
                for fact, value in rule.then.items():
                    if fact not in known:
                        known[fact] = value
                        derived[fact] = (value, rule)
                        changed = True
        pending = [rule for rule in pending if any(f not in known for f in rule.then)]
    return derived
