"""The text model and the phrasings it learns from."""

from __future__ import annotations

from assistant.core.reading import text_model
from assistant.core.reading.model import NONE_LABEL, PHRASINGS, load_phrasings
from knowledge.loader import KnowledgeBase


def test_every_training_label_is_a_fact_value(kb: KnowledgeBase) -> None:
    bad = [
        label
        for _, label in load_phrasings()
        if label != NONE_LABEL
        and (
            label.partition("=")[0] not in kb.facts
            or label.partition("=")[2] not in kb.facts[label.partition("=")[0]].values
        )
    ]
    assert bad == []


def test_text_model_is_deterministic() -> None:
    first = text_model.__wrapped__(PHRASINGS).guess("the gradients keep growing")
    second = text_model.__wrapped__(PHRASINGS).guess("the gradients keep growing")
    assert first == second
