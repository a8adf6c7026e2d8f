"""What the commands share about the target a user names, and the engine they talk to."""

from __future__ import annotations

from assistant.core.engine import Engine
from assistant.core.errors import UsageError
from knowledge.loader import bundled
from probes.spec import parse_target_spec


def engine() -> Engine:
    """The engine over the bundled knowledge base."""
    return Engine(bundled())


def check_target_path(spec: str | None) -> None:
    """Raise ``UsageError`` when the target's file is missing, before anything is imported."""
    if spec is None:
        return
    target = parse_target_spec(spec)
    if not target.file.exists():
        raise UsageError(
            f"the target file '{target.path}' does not exist. Give the path of a Python file "
            "that defines experiment() (or name the function: file.py:function)."
        )
