"""Running probes from the app: the runner it talks to and the results it makes up itself.

The real runner (``probes.runner``) runs each probe in a child process; tests pass a fake with the
same two methods. The app calls them from thread workers, never on the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import resource_tracker
from typing import Protocol

from probes.errors import sentence
from probes.result import ProbeResult
from probes.spec import TargetSpecError, parse_target_spec


class TargetProblem(Exception):
    """The target cannot be used; the message names the file and what went wrong."""


@dataclass(frozen=True)
class ProbeProgress:
    """How far a probe has come: ``fraction`` in [0, 1] and what it is doing now."""

    probe: str
    fraction: float
    message: str = ""


@dataclass(frozen=True)
class ConnectedTarget:
    """A target the runner has loaded: its spec, the experiment keys it gives, a summary."""

    spec: str
    keys: list[str]
    summary: str = ""


ProgressCallback = Callable[[ProbeProgress], None]


class ProbeRunner(Protocol):
    def inspect(self, spec: str) -> ConnectedTarget:
        """Import the target and list its keys; raises ``TargetProblem``."""
        ...

    def run(
        self,
        spec: str,
        probe_id: str,
        on_progress: ProgressCallback,
        cancel: threading.Event,
    ) -> ProbeResult:
        """Run one probe to its end (blocking). Failures in user code come back as results."""
        ...


def check_target_file(spec: str) -> None:
    """Raise ``TargetProblem`` when the target's file is missing, before any import is tried.

    A plain training script never gets here: ``assistant.drive.script_reading.plain_script`` tells
    it apart by parsing, and it is read instead of loaded."""
    try:
        target = parse_target_spec(spec)
    except TargetSpecError as error:
        raise TargetProblem(sentence(str(error))) from error
    path = target.file
    if not path.exists():
        raise TargetProblem(f"There is no file at {path}.")
    if not path.is_file():
        raise TargetProblem(f"{path} is a folder; expected a Python file such as train.py.")


class SubprocessRunner:
    """The real runner from ``probes.runner``, imported on first use.

    Create it before the app starts: a running Textual app replaces ``sys.stderr`` with an
    object that has no usable file descriptor, and multiprocessing's resource tracker, started
    lazily with the first child process, needs one.
    """

    def __init__(self) -> None:
        resource_tracker.ensure_running()

    def inspect(self, spec: str) -> ConnectedTarget:
        from probes.errors import TargetError
        from probes.runner import inspect_target

        try:
            info = inspect_target(spec)
        except TargetError as error:
            raise TargetProblem(str(error)) from error
        return ConnectedTarget(spec=spec, keys=list(info.keys), summary=str(info.summary))

    def run(
        self,
        spec: str,
        probe_id: str,
        on_progress: ProgressCallback,
        cancel: threading.Event,
    ) -> ProbeResult:
        from probes.progress import Progress
        from probes.runner import run_probe

        def forward(progress: Progress) -> None:
            on_progress(ProbeProgress(progress.probe, progress.fraction, progress.message))

        return run_probe(spec, probe_id, on_progress=forward, cancel=cancel)


def cancelled_result(probe_id: str, seconds: float) -> ProbeResult:
    return ProbeResult(
        id=probe_id,
        status="error",
        finding="You cancelled this check before it finished; it established nothing.",
        seconds=seconds,
        error="cancelled",
    )


def crashed_result(probe_id: str, error: BaseException, seconds: float) -> ProbeResult:
    """The runner itself failed (not the user's code): still a result, so the chat goes on."""
    return ProbeResult(
        id=probe_id,
        status="error",
        finding=f"The check could not run: {type(error).__name__}: {error}",
        seconds=seconds,
        error=f"{type(error).__name__}: {error}",
    )
