"""The knowledge base as validated data: facts, questions, probes, rules, causes, phrases."""

from knowledge.errors import KnowledgeError
from knowledge.loader import KnowledgeBase, bundled, load

__all__ = ["KnowledgeBase", "KnowledgeError", "bundled", "load"]
