"""The child process of a table job: limits first, then the data probes on the table.

Runs in a fresh process (one per job). ``resource.setrlimit`` caps its address space and CPU
time, and an alarm caps its wall-clock time, so a table that makes pandas or scikit-learn eat
memory or hang takes down this child only. Progress goes straight to the session's stream.
"""

from __future__ import annotations

import importlib
import json
import resource
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from probes.result import ProbeResult
from server.storage import Database, StreamItem, open_database
from server.tables import TableFormat, read_table

PROGRESS_EVERY_S = 0.5
PROGRESS_STEP = 0.05


@dataclass(frozen=True)
class ChildTask:
    database_url: str
    job_id: str
    session_id: str
    filename: str
    format: TableFormat
    label: str
    probes: tuple[str, ...]
    registry: str
    wall_s: int
    cpu_s: int
    memory_mb: int
    max_cells: int


def apply_limits(task: ChildTask) -> None:
    memory = task.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (task.cpu_s, task.cpu_s + 5))
    # The default action of SIGALRM ends the process: a hang ends with it.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(task.wall_s)


def run_table_probes(task: ChildTask) -> list[str]:
    """The probes' results as JSON; a probe that raises gives an ``error`` result."""
    apply_limits(task)
    db = open_database(task.database_url)
    try:
        frame = read_table(task.filename, db.job_payload(task.job_id), task.format, task.max_cells)
        target = _target(frame, task)
        registry = load_registry(task.registry)
        return [
            _run_one(db, task, probe_id, registry, target).model_dump_json()
            for probe_id in task.probes
        ]
    finally:
        db.close()


def load_registry(spec: str) -> Mapping[str, Callable[..., ProbeResult]]:
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    registry: Mapping[str, Callable[..., ProbeResult]] = getattr(module, attribute or "PROBES")
    return registry


def _target(frame: Any, task: ChildTask) -> Any:
    from probes.target import Target

    return Target.from_frame(frame, task.label, source=f"upload:{task.filename}")


def _run_one(
    db: Database,
    task: ChildTask,
    probe_id: str,
    registry: Mapping[str, Callable[..., ProbeResult]],
    target: Any,
) -> ProbeResult:
    probe = registry.get(probe_id)
    if probe is None:
        return _error(probe_id, f"no probe '{probe_id}' in {task.registry}", time.monotonic())
    reporter = ProgressReporter(db, task, probe_id)
    started = time.monotonic()
    reporter(_Progress(probe_id, 0.0, "started"))
    try:
        result = probe(target, reporter)
    except Exception as exc:
        return _error(probe_id, f"{type(exc).__name__}: {exc}", started)
    reporter(_Progress(probe_id, 1.0, "finished"))
    return result


def _error(probe_id: str, what: str, started: float) -> ProbeResult:
    return ProbeResult(
        id=probe_id,
        status="error",
        finding=f"The probe {probe_id} failed on the uploaded table: {what}",
        error=what,
        seconds=round(time.monotonic() - started, 3),
    )


@dataclass(frozen=True)
class _Progress:
    probe: str
    fraction: float
    message: str


class ProgressReporter:
    """Writes a probe's progress to the session's event stream, at most every half second."""

    def __init__(self, db: Database, task: ChildTask, probe_id: str) -> None:
        self.db = db
        self.task = task
        self.probe_id = probe_id
        self._last = (-1.0, 0.0)

    def __call__(self, progress: Any) -> None:
        fraction = float(getattr(progress, "fraction", 0.0))
        message = str(getattr(progress, "message", ""))
        last_fraction, last_time = self._last
        now = time.monotonic()
        final = fraction in (0.0, 1.0)
        if (
            not final
            and fraction - last_fraction < PROGRESS_STEP
            and now - last_time < PROGRESS_EVERY_S
        ):
            return
        self._last = (fraction, now)
        data = {
            "job": self.task.job_id,
            "probe": self.probe_id,
            "fraction": round(fraction, 3),
            "message": message,
        }
        self.db.append_stream(self.task.session_id, [StreamItem("progress", json.dumps(data))])
