"""The one error the knowledge package raises."""

from __future__ import annotations


class KnowledgeError(Exception):
    """The knowledge base could not be loaded; ``problems`` lists every reason, one a line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"the knowledge base has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]))
