"""`unstuck run SCRIPT.py`: run the user's own training script, watch it, diagnose it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from assistant.cli import plain
from assistant.cli.files import write
from assistant.cli.targets import engine
from assistant.core.errors import UsageError
from assistant.drive import headless
from assistant.drive.script_watch import watch_script
from probes.script import DEFAULT_SECONDS, DEFAULT_STEPS, ScriptError, ScriptRun, check_script


def run_script(
    out: TextIO,
    script: str,
    *,
    script_args: Sequence[str] = (),
    say: str | None = None,
    steps: int = DEFAULT_STEPS,
    seconds: float = DEFAULT_SECONDS,
    as_json: bool = False,
    timeout: float | None = None,
) -> int:
    """Run the script under the watcher, then hold the diagnosis on what it built."""
    request = script_request(script, script_args, steps, seconds)
    watched = watch_script(request, timeout=timeout)
    try:
        has_target = watched.watched.overview is not None
        _, report = headless.run(
            engine(),
            say=say,
            target=watched.name if has_target else None,
            target_keys=watched.keys if has_target else None,
            probe_runner=watched.run_probe if has_target else None,
            watched=watched,
        )
    finally:
        watched.close()
    write(out, report.model_dump_json(indent=2) if as_json else plain.outcome(report))
    return 0


def script_request(
    script: str, script_args: Sequence[str], steps: int, seconds: float
) -> ScriptRun:
    """The checked request; ``UsageError`` for a missing or non-Python script or bad limits."""
    try:
        check_script(script)
    except ScriptError as error:
        raise UsageError(str(error)) from error
    if steps < 1:
        raise UsageError(f"--steps must be at least 1; got {steps}")
    if seconds <= 0:
        raise UsageError(f"--seconds must be more than 0; got {seconds:g}")
    return ScriptRun(
        path=script, args=list(script_args), cwd=str(Path.cwd()), steps=steps, seconds=seconds
    )
