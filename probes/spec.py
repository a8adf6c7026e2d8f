"""The target spec a user types: ``path/to/file.py`` or ``path/to/file.py:function``.

Every layer that takes a target from a person (the command line, the terminal app, the probe
runner, the target loader) reads it with ``parse_target_spec``, so all agree on what names the
file and what names the function. The spec only names things: whether the file exists is
checked, and worded for its audience, where it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from probes.errors import TargetError

#: The function a target file exposes when the spec names none (docs/architecture.md, contract 1).
DEFAULT_FUNCTION = "experiment"

FORMS = "path/to/file.py or path/to/file.py:function"


class TargetSpecError(TargetError):
    """The spec cannot name a target; the message says what was seen and what to type."""


@dataclass(frozen=True)
class TargetSpec:
    """A target file and the function in it that returns the experiment dict."""

    path: str
    """The file, as the user wrote it (messages quote it unchanged)."""
    function: str = DEFAULT_FUNCTION
    """The zero-argument function that returns the experiment dict."""

    @property
    def file(self) -> Path:
        return Path(self.path)

    def __str__(self) -> str:
        return f"{self.path}:{self.function}"


def parse_target_spec(text: str) -> TargetSpec:
    """Split ``text`` into file and function; raises ``TargetSpecError`` for a malformed spec.

    A path that exists as a file is taken whole, even with a ':' in its name. Otherwise the
    part after the last ':' names the function when it is a Python identifier; anything else
    (a Windows drive, say) stays part of the path.
    """
    if Path(text).is_file():
        return TargetSpec(text)
    head, colon, tail = text.rpartition(":")
    if not (colon and head):
        return TargetSpec(text)
    if tail.isidentifier():
        return TargetSpec(head, tail)
    if not tail:
        raise TargetSpecError(
            f"the target '{text}' ends with ':' but names no function; expected {FORMS}. "
            f"Drop the ':' to use {DEFAULT_FUNCTION}()."
        )
    if head.endswith(".py"):
        raise TargetSpecError(
            f"'{tail}' in the target '{text}' is not a Python function name; expected {FORMS}"
        )
    return TargetSpec(text)
