"""The wording of the engine's replies: verdicts, cause cards, "why"."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.beliefs import BeliefModel
from assistant.core.explainer import Explainer
from assistant.core.replies import Ranked
from assistant.core.state import Known, State
from knowledge import load


@pytest.fixture
def explainer(kb_dir: Path) -> Explainer:
    kb = load(kb_dir)
    return Explainer(kb, BeliefModel(kb), kb.thresholds.evidence_ratio)


def ranked(cause: str, title: str) -> Ranked:
    return Ranked(id=cause, title=title, confidence=0.9, share=0.9)


def test_verdict_names_every_cause_found(explainer: Explainer) -> None:
    found = [
        ranked("model.output_activation", "Output activation"),
        ranked("train.lr_too_high", "Learning rate too high"),
    ]
    assert explainer.verdict(found) == (
        "I believe the cause is: Output activation, Learning rate too high."
    )


def test_verdict_when_nothing_is_wrong_or_nothing_is_clear(explainer: Explainer) -> None:
    assert explainer.verdict([ranked("eval.actually_fine", "Fine")]) == (
        "From what I see, your model is learning; the problem may not be real."
    )
    assert explainer.verdict([]).startswith("I cannot pin it down from what I know.")


def test_card_sorts_evidence_for_and_against_by_strength(explainer: Explainer) -> None:
    facts = {
        "loss_trend": Known("flat", "you said"),
        "output_range_mismatch": Known("yes", "rule squashed-regression"),
    }
    card = explainer.card(facts, "model.output_activation", 0.91234)
    assert [e.fact for e in card.evidence_for] == ["output_range_mismatch", "loss_trend"]
    assert card.confidence == 0.912
    against = explainer.card(facts, "eval.actually_fine", 0.1)
    assert [e.fact for e in against.evidence_against] == ["loss_trend", "output_range_mismatch"]


def test_why_without_facts_says_these_are_base_rates(explainer: Explainer) -> None:
    text = explainer.why(State(), [], leak_share=0.04)
    assert text.splitlines() == [
        "Where I stand:",
        "- something I do not know about: 4%",
        "I know nothing about your problem yet, so these are only base rates.",
    ]
