"""The belief model's arithmetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.core.beliefs import BeliefModel, Vector, entropy
from knowledge import load


@pytest.fixture
def model(kb_dir: Path) -> BeliefModel:
    return BeliefModel(load(kb_dir))


def expected_information_gain(p: Vector, likelihood: Vector) -> float:
    """The one-fact formula the vectorised gains must match: bits the answer to one fact is
    expected to remove from the distribution ``p``."""
    joint = p[:, None] * likelihood  # (hypotheses, values)
    predictive = joint.sum(axis=0)
    posterior = joint / np.maximum(predictive, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(posterior > 0, posterior * np.log2(posterior), 0.0)
    expected_after = float(-(predictive * terms.sum(axis=0)).sum())
    return max(0.0, entropy(p) - expected_after)


def test_unstated_values_share_the_rest_by_baseline(model: BeliefModel) -> None:
    table = model.tables["loss_trend"]
    row = table.likelihood[model.causes.index("model.output_activation")]
    assert row[table.index["flat"]] == pytest.approx(0.8)
    assert row[table.index["decreasing"]] == pytest.approx(0.1)
    assert row.sum() == pytest.approx(1.0)


def test_leak_follows_the_baseline(model: BeliefModel) -> None:
    leak = model.tables["output_range_mismatch"].likelihood[-1]
    assert leak.tolist() == pytest.approx([0.1, 0.9])


def test_vectorised_gains_match_the_one_fact_formula(model: BeliefModel) -> None:
    p = model.distribution({"loss_trend": "flat"})
    gains = model.information_gains(p)
    for fact, table in model.tables.items():
        assert gains[fact] == pytest.approx(expected_information_gain(p, table.likelihood))


def test_evidence_moves_confidence_both_ways(model: BeliefModel) -> None:
    prior = model.confidences({})
    flat = model.confidences({"loss_trend": "flat"})
    i = model.causes.index("model.output_activation")
    j = model.causes.index("eval.actually_fine")
    assert flat[i] > prior[i] and flat[j] < prior[j]


def test_excluded_cause_has_no_belief(model: BeliefModel) -> None:
    excluded = frozenset({"train.lr_too_high"})
    i = model.causes.index("train.lr_too_high")
    assert model.confidences({}, excluded)[i] == 0.0
    assert model.distribution({}, excluded)[i] == 0.0


def test_unknown_values_carry_no_evidence(model: BeliefModel) -> None:
    assert np.allclose(model.confidences({"loss_trend": "unknown"}), model.confidences({}))


def test_entropy_of_a_certain_distribution_is_zero() -> None:
    assert entropy(np.array([1.0, 0.0])) == 0.0
    assert entropy(np.array([0.5, 0.5])) == pytest.approx(1.0)
