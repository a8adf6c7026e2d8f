"""`unstuck kb`: check the knowledge base files and list what they hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from assistant.cli.files import write
from assistant.core.errors import UsageError
from knowledge.loader import bundled, load


def check(out: TextIO, path: str | None = None) -> int:
    """Validate a knowledge folder (the bundled one by default) and count what it holds."""
    base = load(Path(path)) if path else load()
    write(
        out,
        f"knowledge base OK: {len(base.facts)} facts, {len(base.questions)} questions, "
        f"{len(base.probes)} probes, {len(base.rules)} rules, {len(base.causes)} causes, "
        f"{len(base.phrases)} phrases",
    )
    return 0


def listing(out: TextIO, what: str | None) -> int:
    """List the bundled facts, questions or causes, one a line."""
    base = bundled()
    listers: dict[str, Callable[[], list[str]]] = {
        "facts": lambda: [f"{f.id}: {' | '.join(f.values)}" for f in base.facts.values()],
        "questions": lambda: [f"{q.id} (fact {q.fact}): {q.text}" for q in base.questions.values()],
        "causes": lambda: [f"{c.id}: {c.title}" for c in base.causes.values()],
    }
    lister = listers.get(what or "")
    if lister is None:
        raise UsageError("say what to do: unstuck kb check | facts | questions | causes")
    write(out, "\n".join(lister()))
    return 0
