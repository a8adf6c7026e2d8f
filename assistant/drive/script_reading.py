"""Plain training scripts: told apart from targets by parsing, read from disk, told to a session.

A ``.py`` file with no ``experiment()`` (or the function its spec names) would train in full if
it were imported, so it is parsed and read statically (``read_script_source`` in the core) and
its findings join the session as facts with ``file:line`` evidence. Every front end (``unstuck
diagnose``, ``unstuck chat --plain``, the terminal app) goes through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import UsageError
from assistant.core.reading.code import CodeReading, is_plain_script, read_script_source
from assistant.core.replies import Reply, Text
from assistant.core.session import Session
from probes.spec import parse_target_spec


@dataclass(frozen=True)
class ScriptReading:
    """A plain training script as read without running it."""

    path: str
    """The path as the user named it, as evidence shows it."""
    reading: CodeReading
    source: str = ""
    """The script's text, for a session that reads it elsewhere (the terminal app's remote
    backend sends it as a message)."""


def plain_script(spec: str | None) -> ScriptReading | None:
    """The script read statically when ``spec`` names a Python file without the function.

    Decided by parsing, never by importing. Returns None for a target file (or no spec, or
    a path that is not a ``.py`` file), which probes can load. Raises ``UsageError`` for a
    script that cannot be read (not UTF-8, binary, not Python).
    """
    if spec is None:
        return None
    target = parse_target_spec(spec)
    if target.file.suffix != ".py" or not target.file.is_file():
        return None
    source = _source(target.file, target.path)
    if not is_plain_script(source, target.function):
        return None
    return ScriptReading(
        path=str(target.path), reading=read_script_source(source, str(target.path)), source=source
    )


def read_script(path: str | Path) -> CodeReading:
    """Read a training script from disk, statically. Raises ``UsageError`` for a path that
    does not exist, is not a file, is not UTF-8 text or is not Python."""
    shown = str(path)
    path = Path(path)
    if not path.exists():
        raise UsageError(
            f"the script '{shown}' does not exist. Give the path of the Python training "
            "script (a .py file), relative to where you run unstuck or absolute."
        )
    if not path.is_file():
        raise UsageError(
            f"'{shown}' is a folder, not a script. Name the Python file that trains the "
            "model, such as train.py."
        )
    return read_script_source(_source(path, shown), shown)


def _source(path: Path, shown: str) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"the script '{shown}' is not UTF-8 text: byte 0x{raw[error.start]:02x} at "
            f"position {error.start:,} does not decode. Expected a Python source file; save "
            "it as UTF-8 (or paste the training code into the chat instead)."
        ) from None


def tell_script(session: Session, script: ScriptReading) -> list[Reply]:
    """Tell ``session`` what the script says: its notes first (how it was read, how to run
    checks), then the engine's replies to the facts, each with its ``file:line`` evidence."""
    notes: list[Reply] = [Text(text=note, tone="notice") for note in script.reading.notes]
    told = session.tell(
        dict(script.reading.facts),
        source=f"read from {script.path}",
        evidence=dict(script.reading.evidence),
    )
    return [*notes, *told]
