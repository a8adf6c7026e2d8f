"""The next-step policy: which probe or question is worth most now, or whether to diagnose.

Stateless: it reads a conversation's state and decides. What it remembers (what the rules
derive from given fact values) holds for every conversation, so one planner serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.core.beliefs import LEAK, BeliefModel, Vector, entropy, normalise
from assistant.core.rules import derive
from assistant.core.state import DIAGNOSE, State
from knowledge.loader import KnowledgeBase
from knowledge.schema import Probe, Question, Rule, Thresholds
from knowledge.types import CauseId, FactId, Value

#: how many rule outcomes the planner remembers (its simulations in
#: ``Planner._derived_log_likelihood``)
DERIVED_CACHE = 65536


@dataclass(frozen=True)
class RunProbe:
    probe: Probe


@dataclass(frozen=True)
class AskQuestion:
    question: Question
    leaders: list[CauseId]
    """The leading candidates, which the answer tells apart."""


#: What the planner decides: a probe to run, a question to ask, or to diagnose now.
NextStep = RunProbe | AskQuestion | Literal["diagnose"]


@dataclass(frozen=True)
class GainContext:
    """What one planning step knows, shared by the scores of every question and probe."""

    facts: dict[FactId, Value]
    p: Vector
    gains: dict[FactId, float]
    simulated: dict[FactId, float]
    """Gains of the open facts that rules read, with the rules' conclusions counted."""
    entropy: float


class Planner:
    def __init__(self, kb: KnowledgeBase, model: BeliefModel, thresholds: Thresholds) -> None:
        self.kb = kb
        self.model = model
        self.thresholds = thresholds
        #: for each fact in some rule's conditions, the rules its value can set off, in order
        self._rules_from: dict[FactId, list[Rule]] = {
            fact: _reachable(fact, kb.rules) for rule in kb.rules for fact in rule.when
        }
        #: for each such fact, the rules with a condition on it
        self._rules_on: dict[FactId, list[Rule]] = {
            fact: [rule for rule in kb.rules if fact in rule.when] for fact in self._rules_from
        }
        #: for each such fact, every fact those rules read or set: what their outcome depends on
        self._rule_facts: dict[FactId, tuple[FactId, ...]] = {
            fact: tuple(
                dict.fromkeys(f for rule in rules for f in (*rule.when, *rule.then) if f != fact)
            )
            for fact, rules in self._rules_from.items()
        }
        self._derived: dict[tuple[FactId, tuple[Value | None, ...]], Vector] = {}
        #: for each fact, the questions that wait on it (``requires``)
        self._gated: dict[FactId, list[Question]] = {}
        for question in kb.questions.values():
            for fact in question.requires:
                self._gated.setdefault(fact, []).append(question)

    def decide(
        self, state: State, facts: dict[FactId, Value], excluded: frozenset[CauseId]
    ) -> NextStep:
        """The next probe or question for ``state`` (``facts`` with the rules applied)."""
        base = self.model.log_weights(facts, excluded)
        p = normalise(base)
        top = int(np.argmax(p[:-1]))
        # Measurements cost the user nothing, so they go on until the case is all but certain.
        wants_probe = state.target is not None and p[top] < self.thresholds.probe_until
        wants_question = (
            p[top] < self.thresholds.settle_at
            and state.questions_asked < self.thresholds.max_questions
        )
        if not (wants_probe or wants_question):
            return DIAGNOSE
        context = self._gain_context(facts, p, base)
        probe = self._best_probe(state, facts, context) if wants_probe else None
        if probe is not None:
            return RunProbe(probe)
        question = self._best_question(state, facts, context) if wants_question else None
        if question is None:
            return DIAGNOSE
        return AskQuestion(question, self._leaders(p))

    def candidate_questions(self, state: State, facts: dict[FactId, Value]) -> list[Question]:
        return [
            q
            for q in self.kb.questions.values()
            if q.id not in state.asked
            and q.fact not in facts
            and all(facts.get(f) in values for f, values in q.requires.items())
        ]

    def _best_question(
        self, state: State, facts: dict[FactId, Value], context: GainContext
    ) -> Question | None:
        best: tuple[float, Question] | None = None
        for question in self.candidate_questions(state, facts):
            gain = self.gain(question.fact, context)
            score = gain / question.cost
            if score >= self.thresholds.min_gain and (best is None or score > best[0]):
                best = (score, question)
        return best[1] if best is not None else None

    def _best_probe(
        self, state: State, facts: dict[FactId, Value], context: GainContext
    ) -> Probe | None:
        best: tuple[float, Probe] | None = None
        for probe in self.kb.probes.values():
            if probe.id in state.probes_done:
                continue
            if not set(probe.needs) <= state.target_keys:
                continue
            gain = sum(self.gain(f, context) for f in probe.yields if f not in facts)
            # Cheapest informative first: a probe's cost is its typical runtime in seconds.
            score = gain / probe.cost
            if gain >= self.thresholds.min_gain and (best is None or score > best[0]):
                best = (score, probe)
        return best[1] if best is not None else None

    def _leaders(self, p: Vector) -> list[CauseId]:
        order = np.argsort(-p)
        return [self.model.hypotheses[i] for i in order[:3] if self.model.hypotheses[i] != LEAK]

    def _gain_context(self, facts: dict[FactId, Value], p: Vector, base: Vector) -> GainContext:
        """``base`` is the unnormalised log of ``p``."""
        h = entropy(p)
        return GainContext(
            facts=facts,
            p=p,
            gains=self.model.information_gains(p),
            simulated=self._simulated_gains(facts, p, base, h),
            entropy=h,
        )

    def gain(self, fact: FactId, context: GainContext) -> float:
        """Expected bits from learning ``fact``, counting what it leads to.

        ``context.gains`` holds every fact's direct information gain and ``context.facts``
        already has the rules applied. A fact with no likelihoods of its own (the task, say)
        matters through rules and through the questions that wait on it: its answer is
        simulated through the rules, it gets credit for enabling a rule whose other conditions
        are still open (backward chaining), and for the questions its answer would open up.
        """
        best = context.gains[fact]
        if fact in context.simulated:
            best = max(best, context.simulated[fact])
            best = max(best, self._rule_credit(fact, context.facts, context.gains))
        if fact in self._gated:
            best = max(best, self._unlock_credit(fact, context.facts, context.p, context.gains))
        return best

    def _simulated_gains(
        self, facts: dict[FactId, Value], p: Vector, base: Vector, h: float
    ) -> dict[FactId, float]:
        """For every open fact that some rule reads: the expected bits from learning it, with
        each possible answer carried through the rules. All answers of all such facts are
        scored in one pass, one row per answer."""
        open_facts = [f for f in self._rules_from if f not in facts]
        if not open_facts:
            return {}
        # log-posterior after each answer, plus what the rules would derive from it
        log_p = base[None, :] + np.concatenate(
            [
                self.model.log_likelihood_t(f) + self._derived_log_likelihood(f, facts)
                for f in open_facts
            ]
        )
        posterior = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        posterior /= posterior.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(posterior > 0, posterior * np.log2(posterior), 0.0).sum(axis=1)
        gains: dict[FactId, float] = {}
        start = 0
        for fact in open_facts:
            likelihood = self.model.tables[fact].likelihood
            end = start + likelihood.shape[1]
            gains[fact] = h - float(-(p @ likelihood) @ plogp[start:end])
            start = end
        return gains

    def _derived_log_likelihood(self, fact: FactId, facts: dict[FactId, Value]) -> Vector:
        """For each value of ``fact``: the log-likelihood of what the rules would derive from it.

        What the rules derive depends only on the values of the facts their conditions and
        conclusions name, so the answer is remembered by those values: the planner asks the same
        thing thousands of times per second across sessions.
        """
        involved = self._rule_facts[fact]
        key = (fact, tuple(facts.get(f) for f in involved))
        cached = self._derived.get(key)
        if cached is not None:
            return cached
        table = self.model.tables[fact]
        rules = self._rules_from[fact]
        shift = np.zeros((len(table.values), len(self.model.hypotheses)))
        for row, value in enumerate(table.values):
            for derived, (derived_value, _) in derive({**facts, fact: value}, rules).items():
                column = self.model.log_column(derived, derived_value)
                if column is not None:
                    shift[row] += column
        shift.setflags(write=False)
        if len(self._derived) >= DERIVED_CACHE:
            self._derived.clear()
        self._derived[key] = shift
        return shift

    def _unlock_credit(
        self, fact: FactId, facts: dict[FactId, Value], p: Vector, gains: dict[FactId, float]
    ) -> float:
        """What the questions waiting on ``fact`` are worth, times the chance they open up."""
        table = self.model.tables[fact]
        predictive = p @ table.likelihood
        credit = 0.0
        for question in self._gated[fact]:
            if question.fact in facts:
                continue
            others_hold = all(
                facts.get(f) in values for f, values in question.requires.items() if f != fact
            )
            if not others_hold:
                continue
            opens = sum(float(predictive[table.index[v]]) for v in question.requires[fact])
            credit = max(credit, opens * gains[question.fact] / question.cost)
        return credit

    def _rule_credit(
        self, fact: FactId, facts: dict[FactId, Value], gains: dict[FactId, float]
    ) -> float:
        """What enabling a rule is worth: its best conclusion, shared by its open conditions."""
        credit = 0.0
        for rule in self._rules_on[fact]:
            if any(f in facts for f in rule.then):
                continue
            open_conditions = 0
            blocked = False
            for condition, values in rule.when.items():
                if condition not in facts:
                    open_conditions += 1
                elif facts[condition] not in values:
                    blocked = True
            if not blocked:
                best = max(gains[conclusion] for conclusion in rule.then)
                credit = max(credit, best / open_conditions)
        return credit


def _reachable(fact: FactId, rules: list[Rule]) -> list[Rule]:
    """The rules a new value of ``fact`` can fire, directly or through their conclusions."""
    reached: list[Rule] = []
    frontier = {fact}
    while frontier:
        found = [r for r in rules if r not in reached and frontier & set(r.when)]
        reached += found
        frontier = {f for r in found for f in r.then}
    return [r for r in rules if r in reached]
