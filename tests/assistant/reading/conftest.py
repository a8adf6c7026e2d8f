"""Fixtures of the reader tests."""

from __future__ import annotations

import pytest

from assistant.core.reading import TextReader
from knowledge.loader import KnowledgeBase, bundled


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return bundled()


@pytest.fixture(scope="module")
def reader(kb: KnowledgeBase) -> TextReader:
    return TextReader(kb)
