"""Beliefs over causes from the knowledge base's priors and likelihoods.

Two views of one model, compiled once into numpy arrays:

* Each cause is its own yes/no variable: its confidence is the posterior that it is present,
  from its prior odds and the likelihood ratio of every known fact, P(value | cause) against
  P(value | some other hypothesis). Several causes can be confident at once.
* For planning, the hypotheses "this cause is the main one" (every cause, plus a leak for
  "something the knowledge base does not know") form one distribution whose entropy the
  next question should shrink most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.loader import KnowledgeBase
from knowledge.schema import Fact
from knowledge.types import UNKNOWN, CauseId, FactId, Value

Vector = npt.NDArray[np.float64]

#: Prior weight of the leak hypothesis: a cause the knowledge base does not know.
LEAK_PRIOR = 0.04
#: No observation ever rules a cause out completely: people misread their screens.
FLOOR = 0.01
LEAK = "other"


def _baseline(fact: Fact) -> dict[Value, float]:
    given = dict(fact.baseline)
    rest = [v for v in fact.values if v not in given]
    left = max(0.0, 1.0 - sum(given.values()))
    for value in rest:
        given[value] = left / len(rest) if rest else 0.0
    total = sum(given.values())
    return {v: given[v] / total for v in fact.values}


def _row(fact: Fact, table: Mapping[Value, float], baseline: dict[Value, float]) -> list[float]:
    """P(value | cause) for every value: stated values as given, the rest shared by baseline."""
    left = max(0.0, 1.0 - sum(table.values()))
    rest_mass = sum(baseline[v] for v in fact.values if v not in table)
    row = []
    for value in fact.values:
        if value in table:
            row.append(table[value])
        elif rest_mass > 0:
            row.append(left * baseline[value] / rest_mass)
        else:
            row.append(0.0)
    clipped = np.maximum(np.array(row), FLOOR)
    return list(clipped / clipped.sum())


@dataclass(frozen=True)
class FactTable:
    values: list[Value]
    index: dict[Value, int]
    #: likelihood[h, v] = P(fact = v | hypothesis h), hypotheses = causes then the leak
    likelihood: Vector
    log_likelihood: Vector
    #: log_likelihood transposed and contiguous: one row per value
    log_likelihood_t: Vector


class BeliefModel:
    """The knowledge base's causes and facts as arrays, for fast belief updates."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.causes: list[CauseId] = list(kb.causes)
        self.hypotheses: list[str] = [*self.causes, LEAK]
        priors = [kb.causes[c].prior for c in self.causes]
        self.priors: Vector = np.array(priors, dtype=np.float64)
        weights = np.array([*priors, LEAK_PRIOR], dtype=np.float64)
        self.weights: Vector = weights / weights.sum()
        self.tables: dict[FactId, FactTable] = {}
        for fact in kb.facts.values():
            baseline = _baseline(fact)
            rows = []
            for cause_id in self.causes:
                table = kb.causes[cause_id].likelihoods.get(fact.id)
                rows.append(_row(fact, table or {}, baseline))
            rows.append([baseline[v] for v in fact.values])
            likelihood = np.array(rows, dtype=np.float64)
            log_likelihood = np.log(likelihood)
            self.tables[fact.id] = FactTable(
                values=list(fact.values),
                index={v: i for i, v in enumerate(fact.values)},
                likelihood=likelihood,
                log_likelihood=log_likelihood,
                log_likelihood_t=np.ascontiguousarray(log_likelihood.T),
            )
        # Every fact's likelihood columns side by side, to score all facts in one pass.
        self.fact_ids: list[FactId] = list(self.tables)
        blocks = [self.tables[f].likelihood for f in self.fact_ids]
        self.stacked: Vector = np.concatenate(blocks, axis=1)
        sizes = [block.shape[1] for block in blocks]
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)

    def column(self, fact: FactId, value: Value) -> Vector | None:
        table = self.tables.get(fact)
        if table is None or value == UNKNOWN or value not in table.index:
            return None
        return table.likelihood[:, table.index[value]]

    def log_column(self, fact: FactId, value: Value) -> Vector | None:
        """log P(fact = value | h) for every hypothesis, or None for an unknown value."""
        table = self.tables.get(fact)
        if table is None or value == UNKNOWN or value not in table.index:
            return None
        return table.log_likelihood[:, table.index[value]]

    def log_likelihood_t(self, fact: FactId) -> Vector:
        """log P(fact = v | h) as rows per value v."""
        return self.tables[fact].log_likelihood_t

    def likelihood_ratios(self, fact: FactId, value: Value) -> Vector | None:
        """For each cause: P(value | cause) / P(value | any other hypothesis)."""
        column = self.column(fact, value)
        if column is None:
            return None
        w = self.weights
        mixture = float(w @ column)
        causes = column[:-1]
        others = (mixture - w[:-1] * causes) / (1.0 - w[:-1])
        return np.asarray(causes / np.maximum(others, 1e-12), dtype=np.float64)

    def confidences(
        self, facts: Mapping[FactId, Value], excluded: frozenset[CauseId] = frozenset()
    ) -> Vector:
        """Posterior probability that each cause is present, given the known facts."""
        log_odds = np.log(self.priors) - np.log1p(-self.priors)
        for fact, value in facts.items():
            ratios = self.likelihood_ratios(fact, value)
            if ratios is not None:
                log_odds = log_odds + np.log(ratios)
        confidence = 1.0 / (1.0 + np.exp(-log_odds))
        for cause in excluded:
            confidence[self.causes.index(cause)] = 0.0
        return np.asarray(confidence, dtype=np.float64)

    def distribution(
        self, facts: Mapping[FactId, Value], excluded: frozenset[CauseId] = frozenset()
    ) -> Vector:
        """Single-fault view: P(h is the main cause | facts), over causes and the leak."""
        return normalise(self.log_weights(facts, excluded))

    def information_gains(self, p: Vector) -> dict[FactId, float]:
        """Expected bits each fact's value would remove from ``p``, for all facts at once."""
        joint = p[:, None] * self.stacked
        predictive = joint.sum(axis=0)
        posterior = joint / np.maximum(predictive, 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(posterior > 0, posterior * np.log2(posterior), 0.0)
        after = -(predictive * plogp.sum(axis=0))
        expected_after = np.add.reduceat(after, self.starts)
        gains = np.maximum(0.0, entropy(p) - expected_after)
        return dict(zip(self.fact_ids, gains.tolist(), strict=True))

    def log_weights(
        self, facts: Mapping[FactId, Value], excluded: frozenset[CauseId] = frozenset()
    ) -> Vector:
        """Unnormalised log of the single-fault distribution."""
        log_p = np.log(self.weights)
        for fact, value in facts.items():
            column = self.log_column(fact, value)
            if column is not None:
                log_p = log_p + column
        for cause in excluded:
            log_p[self.causes.index(cause)] = -np.inf
        return np.asarray(log_p, dtype=np.float64)


def normalise(log_p: Vector) -> Vector:
    shifted = np.exp(log_p - log_p.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


def entropy(p: Vector) -> float:
    nonzero = p[p > 0]
    return float(-(nonzero * np.log2(nonzero)).sum())
