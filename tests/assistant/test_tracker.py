"""The tracker: what each event changes in the state, and what the rules add."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.events import Attached, Probed, Told
from assistant.core.reading import TextReader
from assistant.core.state import Known, State
from assistant.core.tracker import Tracker, user_steps
from knowledge import load
from knowledge.loader import bundled
from probes.result import ProbeResult


@pytest.fixture
def tracker(kb_dir: Path) -> Tracker:
    kb = load(kb_dir)
    return Tracker(kb, TextReader(kb))


def test_rules_add_their_conclusions_with_the_rule_as_source(tracker: Tracker) -> None:
    state = State()
    tracker.told(state, Told(facts={"task": "regression", "output_activation": "softmax"}))
    derived = tracker.facts_with_rules(state)["output_range_mismatch"]
    assert derived == Known(
        "yes", "rule squashed-regression", "A softmax bounds a regression output."
    )
    assert "output_range_mismatch" not in state.facts  # derived, never recorded


def test_facts_the_knowledge_base_does_not_know_are_not_learnt(tracker: Tracker) -> None:
    state = State()
    learnt = tracker.learn(state, {"loss_trend": "flat", "mood": "sad"}, "you said", "")
    assert learnt == [("loss_trend", "flat")]
    assert list(state.facts) == ["loss_trend"]


def test_a_failed_fix_forgets_measurements_but_not_what_the_user_said(tracker: Tracker) -> None:
    state = State()
    tracker.attached(state, Attached(target="t.py", keys=["model"]))
    tracker.told(state, Told(facts={"loss_trend": "flat"}))
    result = ProbeResult(
        id="output_check", status="fail", facts={"output_activation": "softmax"}, finding="softmax"
    )
    tracker.probed(state, Probed(result=result))
    tracker.fix_failed(state, "model.output_activation")
    assert state.excluded == {"model.output_activation"}
    assert list(state.facts) == ["loss_trend"] and state.probes_done == {}
    assert state.target_keys == frozenset({"model"})


def test_only_the_users_own_steps_count_as_steps() -> None:
    result = ProbeResult(id="output_check", status="pass", finding="no softmax")
    events = [Attached(target="t.py"), Probed(result=result), Told(facts={})]
    assert user_steps(events) == 1


@pytest.fixture(scope="module")
def shipped() -> Tracker:
    """A tracker over the shipped knowledge base, whose error catalogue is the real one."""
    kb = bundled()
    return Tracker(kb, TextReader(kb))


def test_an_error_a_probe_met_in_the_users_code_is_read_as_evidence(shipped: Tracker) -> None:
    tracker = shipped
    state = State()
    result = ProbeResult(
        id="overfit_one_batch",
        status="error",
        finding="the loss raised while training on one batch",
        error="RuntimeError: all elements of input should be between 0 and 1",
    )
    tracker.probed(state, Probed(result=result))
    known = state.facts["loss_task_fit"]
    assert known.value == "mismatch"
    assert known.source == "probe overfit_one_batch"
    assert "all elements of input should be between 0 and 1" in known.detail


def test_what_a_probe_measured_wins_over_what_its_error_suggests(shipped: Tracker) -> None:
    tracker = shipped
    state = State()
    tracker.told(state, Told(facts={"loss_function": "mse"}))
    result = ProbeResult(
        id="loss_target_check",
        status="error",
        facts={"loss_task_fit": "fits"},
        finding="RuntimeError: all elements of input should be between 0 and 1",
    )
    tracker.probed(state, Probed(result=result))
    assert state.facts["loss_task_fit"].value == "fits"
    assert state.facts["loss_function"].value == "mse"
