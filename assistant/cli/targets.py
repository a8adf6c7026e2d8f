"""What the commands share about the target a user names, and the engine they talk to."""

from __future__ import annotations

from assistant.core.engine import Engine
from assistant.core.errors import UsageError
from assistant.core.reading.code import is_plain_script, read_script
from assistant.drive.headless import ScriptReading
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


def plain_script(spec: str | None) -> ScriptReading | None:
    """The script read statically when ``spec`` names a Python file without the function.

    Decided by parsing, never by importing: a plain training script would train in full if
    it were imported. Returns None for a target file (or no spec), which probes can load.
    """
    if spec is None:
        return None
    target = parse_target_spec(spec)
    if target.file.suffix != ".py" or not target.file.is_file():
        return None
    try:
        source = target.file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        source = ""  # read_script says what is wrong with the file
    if source and not is_plain_script(source, target.function):
        return None
    return ScriptReading(path=str(target.path), reading=read_script(target.file))
