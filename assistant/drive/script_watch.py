"""A user's own training script as a probe target: run it, watch it, probe what it built.

``watch_script`` runs the script in a child (``probes.script.ScriptWorker``) and returns a
``WatchedScript``: the watch result to report before the dialogue goes on, the error the
script raised read against the error catalogue (so "Target 10 is out of bounds" is evidence),
and a probe runner for the drive loop over the captured model, batches, loss and optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from assistant.core.reading.errors import ErrorReading, read_errors
from probes.result import ProbeResult
from probes.script import ScriptRun, ScriptWorker, Watched


class WatchedLoop(Protocol):
    """A training loop that ran under the watcher, in a child or in this process."""

    @property
    def result(self) -> ProbeResult: ...

    @property
    def errors(self) -> ErrorReading: ...

    @property
    def error_source(self) -> str: ...

    def notes(self) -> list[str]: ...


@dataclass
class WatchedScript:
    """A script that ran under the watcher; ``close`` ends the child holding what it built."""

    run: ScriptRun
    watched: Watched
    worker: ScriptWorker
    timeout: float | None = None
    errors: ErrorReading = field(default_factory=ErrorReading)
    """The script's error read for what it says; empty when it raised none."""

    @property
    def name(self) -> str:
        return f"{self.run.path} (as it ran)"

    @property
    def keys(self) -> list[str]:
        return list(self.watched.overview.keys) if self.watched.overview else []

    @property
    def result(self) -> ProbeResult:
        return self.watched.result

    @property
    def error_source(self) -> str:
        where = f" at {self.watched.error_line}" if self.watched.error_line else ""
        return f"the error {self.run.path} raised{where}"

    def run_probe(self, probe_id: str) -> ProbeResult:
        return self.worker.run(probe_id, self.timeout, None, None)

    def notes(self) -> list[str]:
        """What the user should know about how the diagnosis was made."""
        run = self.run
        steps = self.watched.result.values.get("steps", 0)
        notes = [
            f"unstuck ran {run.path} for real ({steps} optimizer steps watched, at most "
            f"{run.steps} steps or {run.seconds:g} s): whatever it does besides training "
            "(files written, downloads) happened. It never edits the script."
        ]
        if self.watched.target_problem and self.watched.error is None:
            notes.append(f"No probe could run on what it built: {self.watched.target_problem}.")
        return notes

    def close(self) -> None:
        self.worker.close()


def watch_script(run: ScriptRun, timeout: float | None = None) -> WatchedScript:
    """Run the script under the watcher and wait until it is stopped or ends."""
    worker = ScriptWorker(run)
    watched = worker.watch()
    errors = read_errors(watched.error) if watched.error else ErrorReading()
    return WatchedScript(run=run, watched=watched, worker=worker, timeout=timeout, errors=errors)
