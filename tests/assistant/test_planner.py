"""The next-step policy on the fixture knowledge base: it reads a state and decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.beliefs import BeliefModel
from assistant.core.planner import AskQuestion, Planner, RunProbe
from assistant.core.state import DIAGNOSE, Known, State
from knowledge import load
from knowledge.types import FactId, Value


@pytest.fixture
def planner(kb_dir: Path) -> Planner:
    kb = load(kb_dir)
    return Planner(kb, BeliefModel(kb), kb.thresholds)


def state_knowing(facts: dict[FactId, Value], target_keys: frozenset[str] = frozenset()) -> State:
    state = State(facts={f: Known(v, "your answer") for f, v in facts.items()})
    if target_keys:
        state.target, state.target_keys = "t.py", target_keys
    return state


def test_the_question_that_tells_the_leaders_apart_comes_first(planner: Planner) -> None:
    facts = {"loss_trend": "flat"}
    step = planner.decide(state_knowing(facts), facts, frozenset())
    assert isinstance(step, AskQuestion) and step.question.id == "ask_task"
    assert step.leaders[0] == "model.output_activation"


def test_a_connected_target_is_measured_before_the_user_is_asked(planner: Planner) -> None:
    facts = {"loss_trend": "flat"}
    step = planner.decide(state_knowing(facts, frozenset({"model"})), facts, frozenset())
    assert isinstance(step, RunProbe) and step.probe.id == "output_check"


def test_a_settled_case_is_diagnosed(planner: Planner) -> None:
    facts = {
        "loss_trend": "flat",
        "task": "regression",
        "output_activation": "softmax",
        "output_range_mismatch": "yes",
    }
    assert planner.decide(state_knowing(facts), facts, frozenset()) == DIAGNOSE


def test_the_question_budget_ends_the_asking(planner: Planner) -> None:
    facts = {"loss_trend": "flat"}
    state = state_knowing(facts)
    state.asked = [f"ask_{i}" for i in range(planner.thresholds.max_questions)]
    assert planner.decide(state, facts, frozenset()) == DIAGNOSE
