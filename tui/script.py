"""`unstuck chat --run SCRIPT.py`: the app's probe runner for a user's own training script.

Connecting runs the script once under the watcher (``assistant.drive.script_watch``); the target it
hands the chat carries the watch result, which the chat reports before the dialogue goes on,
and the script's error read against the error catalogue, which the chat tells the session as
``unstuck run`` does (``assistant.drive.headless``); probes then run on what the script built,
in the child that ran it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from assistant.core.reading.errors import ErrorReading
from assistant.drive.script_watch import WatchedScript, watch_script
from probes.result import ProbeResult
from probes.script import ScriptError, ScriptRun, check_script
from tui.probing import ConnectedTarget, ProbeProgress, ProgressCallback, TargetProblem


@dataclass(frozen=True)
class WatchedTarget(ConnectedTarget):
    """A script that ran under the watcher: ``observed`` is what its loop showed, ``errors``
    the error it raised read against the error catalogue (empty when it raised none), and
    ``error_source`` where that error came from, as the session's evidence names it."""

    observed: ProbeResult | None = None
    errors: ErrorReading = field(default_factory=ErrorReading)
    error_source: str = ""


class ScriptRunner:
    """Runs the script on ``inspect`` (once), then probes in the child that holds what it
    built. Create it before the app starts, like ``SubprocessRunner``."""

    def __init__(self, run: ScriptRun) -> None:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        self.request = run
        self.watched: WatchedScript | None = None

    def check(self, spec: str) -> None:
        """The app's check before connecting: the script must exist and be Python."""
        try:
            check_script(spec)
        except ScriptError as error:
            raise TargetProblem(str(error)) from error

    def inspect(self, spec: str) -> ConnectedTarget:
        if self.watched is None:
            self.watched = watch_script(self.request)
        watched = self.watched
        return WatchedTarget(
            spec=spec,
            keys=watched.keys,
            summary=watched.watched.overview.summary if watched.watched.overview else "",
            observed=watched.result,
            errors=watched.errors,
            error_source=watched.error_source,
        )

    def run(
        self,
        spec: str,
        probe_id: str,
        on_progress: ProgressCallback,
        cancel: threading.Event,
    ) -> ProbeResult:
        from probes.progress import Progress

        if self.watched is None:
            self.inspect(spec)
        watched = self.watched
        if watched is None:  # pragma: no cover - inspect sets it
            raise TargetProblem("the script has not run yet")

        def forward(progress: Progress) -> None:
            on_progress(ProbeProgress(progress.probe, progress.fraction, progress.message))

        return watched.worker.run(probe_id, watched.timeout, forward, cancel)

    def close(self) -> None:
        if self.watched is not None:
            self.watched.close()
