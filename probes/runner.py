"""Run probes on a target file in a child process, with a time limit, progress and cancelling.

A worker process imports the target once and runs probes in turn; the parent waits on a pipe
for progress and results. A probe that hangs past its limit, or kills the interpreter, takes
only its worker down: the parent reports it as an ``error`` result and starts a fresh worker
for the next probe. Workers come from a ``forkserver`` that has torch imported already, so a
new one starts in a fraction of a second; ``run_probe`` keeps one warm worker per target file
between calls (a changed file gets a fresh one; ``close_workers`` ends them all).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from typing import Any

from pydantic import BaseModel

from probes.errors import TargetError, error_result
from probes.progress import Progress, ProgressFn
from probes.result import ProbeResult
from probes.spec import TargetSpecError, parse_target_spec

#: Seconds a probe may run before it is stopped.
DEFAULT_TIMEOUT = 60.0
#: Seconds importing the target file and calling its function may take.
IMPORT_TIMEOUT = 30.0
#: Torch threads per worker: small models run fastest on one, and workers share the machine.
THREADS_VARIABLE = "UNSTUCK_PROBE_THREADS"
#: At most one progress event per this many seconds crosses the pipe (first and last always).
PROGRESS_INTERVAL = 0.1
POLL = 0.05
#: Imported once by the forkserver, so no worker pays for them: torch, the optimizers' lazy
#: import of torch._dynamo (seconds on its own), and every probe.
PRELOAD = ["torch", "torch._dynamo", "probes.registry"]


class TargetOverview(BaseModel):
    """What a loaded target holds (source, keys, task, a summary), as its worker reports it."""

    source: str
    keys: list[str]
    task: str | None
    summary: str


# --- the public calls ----------------------------------------------------------------------
def inspect_target(spec: str, timeout: float = IMPORT_TIMEOUT) -> TargetOverview:
    """Load the target in a child process; ``TargetError`` when it fails or hangs."""
    worker = _borrow(spec)
    try:
        return worker.start(timeout)
    finally:
        _give_back(worker)


def run_probe(
    spec: str,
    probe_id: str,
    *,
    timeout: float | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    load_timeout: float = IMPORT_TIMEOUT,
) -> ProbeResult:
    """Run one probe in a child process. Never raises for what the user's code does."""
    worker = _borrow(spec)
    try:
        return worker.run(probe_id, timeout, on_progress, cancel, load_timeout)
    finally:
        _give_back(worker)


def run_probes(
    spec: str,
    ids: Sequence[str] | None = None,
    *,
    timeout: float | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    load_timeout: float = IMPORT_TIMEOUT,
) -> list[ProbeResult]:
    """Run probes in turn in one worker; ``ids`` None runs every probe the target allows."""
    worker = _borrow(spec)
    try:
        try:
            worker.start(load_timeout)
        except TargetError as error:
            return [_error(probe_id, str(error)) for probe_id in (ids or _every_probe())]
        chosen = list(ids) if ids is not None else list(worker.allowed)
        results = []
        for probe_id in chosen:
            if cancel is not None and cancel.is_set():
                results.append(_error(probe_id, "cancelled before it started"))
                continue
            results.append(worker.run(probe_id, timeout, on_progress, cancel, load_timeout))
        return results
    finally:
        _give_back(worker)


def _every_probe() -> list[str]:
    from probes.registry import PROBES

    return list(PROBES)


def close_workers() -> None:
    """End every warm worker (they also end when this process exits)."""
    with _LOCK:
        workers = list(_IDLE.values())
        _IDLE.clear()
    for worker in workers:
        worker.close()


# --- the worker, seen from the parent -------------------------------------------------------
class ProbeWorker:
    """One child process that holds one loaded target and runs probes on request."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.stamp = _stamp(spec)
        self.overview: TargetOverview | None = None
        self.allowed: list[str] = []
        """The probes the loaded target allows, in the order a full run takes them."""
        self._process: Any = None
        self._conn: Connection | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self, timeout: float = IMPORT_TIMEOUT) -> TargetOverview:
        """Start the process and load the target (once); ``TargetError`` on failure."""
        if self.alive and self.overview is not None:
            return self.overview
        self.close()
        parent, child = process_context().Pipe()
        self._process = process_context().Process(
            target=worker_main, args=(child, self.spec), name="unstuck-probe-worker"
        )
        self._process.start()
        child.close()
        self._conn = parent
        message = self._wait_for_load(timeout)
        if message[0] != "ready":
            self.close()
            raise TargetError(message[1])
        self.overview = TargetOverview.model_validate(message[1])
        self.allowed = list(message[2])
        return self.overview

    def run(
        self,
        probe_id: str,
        timeout: float | None,
        on_progress: ProgressFn | None,
        cancel: threading.Event | None,
        load_timeout: float = IMPORT_TIMEOUT,
    ) -> ProbeResult:
        """Run one probe; every failure comes back as an ``error`` result."""
        try:
            self.start(load_timeout)
        except TargetError as error:
            return _error(probe_id, str(error))
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        started = time.perf_counter()
        try:
            self._send(("run", probe_id))
            result = self._await_result(probe_id, started + limit, limit, on_progress, cancel)
        except _Stopped as stop:
            self.close()
            result = _error(probe_id, stop.message)
        result.seconds = round(time.perf_counter() - started, 3)
        return result

    def close(self) -> None:
        """Stop the process now (a probe in flight is abandoned)."""
        if self._conn is not None:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(("stop",))
            self._conn.close()
            self._conn = None
        process, self._process = self._process, None
        # A process that never started (its start failed) cannot be joined.
        if process is not None and process.pid is not None:
            process.join(0.2)
            if process.is_alive():
                process.kill()
                process.join(2)
        self.overview = None

    def _wait_for_load(self, timeout: float) -> tuple[Any, ...]:
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                self.close()
                raise TargetError(
                    f"loading the target '{self.spec}' did not finish within {timeout:g} s: "
                    "importing the file or calling its function hangs. Move slow work "
                    "(downloads, training) out of the import and of the function"
                )
            message = self._receive(min(POLL, remaining))
            if message is not None and message[0] != _EOF:
                return message
            if message is not None or not self.alive:
                code = self._exit_code()
                self.close()
                raise TargetError(
                    f"loading the target '{self.spec}' ended the Python process "
                    f"(exit code {code}); run the file with python to see why"
                )

    def _await_result(
        self,
        probe_id: str,
        deadline: float,
        limit: float,
        on_progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> ProbeResult:
        while True:
            if cancel is not None and cancel.is_set():
                raise _Stopped("cancelled")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise _Stopped(f"the probe did not finish within {limit:g} s and was stopped")
            message = self._receive(min(POLL, remaining))
            if message is None:
                if not self.alive:
                    raise _Stopped(self._crash_message())
                continue
            if message[0] == _EOF:
                raise _Stopped(self._crash_message())
            if message[0] == "progress" and on_progress is not None:
                on_progress(Progress(*message[1]))
            if message[0] == "result":
                return ProbeResult.model_validate(message[1])

    def _exit_code(self) -> int | None:
        if self._process is None:
            return None
        self._process.join(1)
        return self._process.exitcode  # type: ignore[no-any-return]

    def _crash_message(self) -> str:
        code = self._exit_code()
        return (
            f"the probe's process ended unexpectedly (exit code {code}): the model, its data "
            "or a library crashed the Python interpreter"
        )

    def _send(self, message: tuple[Any, ...]) -> None:
        if self._conn is None:
            raise _Stopped("the probe's process is not running")
        try:
            self._conn.send(message)
        except (OSError, ValueError) as error:
            raise _Stopped(self._crash_message()) from error

    def _receive(self, wait: float) -> tuple[Any, ...] | None:
        """The next message, None if none came in ``wait`` s, (_EOF,) if the child is gone."""
        if self._conn is None:
            return (_EOF,)
        try:
            if self._conn.poll(wait):
                return self._conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            return (_EOF,)
        return None


_EOF = "eof"


class _Stopped(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _error(probe_id: str, message: str) -> ProbeResult:
    return error_result(probe_id, message)


# --- the worker, inside the child -----------------------------------------------------------
def worker_main(conn: Connection, spec: str) -> None:
    """The child: load the target, then run probes on request until told to stop."""
    _quiet()
    import torch

    from probes.registry import allowed, execute
    from probes.target import load_target

    torch.set_num_threads(max(int(os.environ.get(THREADS_VARIABLE, "1")), 1))
    try:
        target = load_target(spec)
        conn.send(("ready", overview_of(target).model_dump(), allowed(target.keys)))
    except TargetError as error:
        conn.send(("load_error", str(error)))
        return
    except BaseException as error:  # anything the import does must reach the parent as text
        text = f"{type(error).__name__}: {error}"
        conn.send(("load_error", f"loading the target '{spec}' raised {text}"))
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message[0] != "run":
            return
        result = execute(message[1], target, PipeProgress(conn))
        conn.send(("result", result.model_dump()))


class PipeProgress:
    """A probe's progress callback in a child process: sends each update to the parent over
    ``conn`` as ``("progress", (probe, fraction, message))``, at most once per
    ``PROGRESS_INTERVAL`` (a start and an end always go), so a chatty probe cannot flood the
    pipe that also carries its result."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.perf_counter()
        if now - self.last < PROGRESS_INTERVAL and 0 < progress.fraction < 1:
            return
        self.last = now
        self.conn.send(("progress", (progress.probe, progress.fraction, progress.message)))


def overview_of(target: Any) -> TargetOverview:
    """What the parent learns of a loaded target (``probes.target.Target``, or the one
    ``probes.watch.capture`` builds from a watched script): where it came from, its keys, its
    task and a one-line summary. The target itself never leaves the child."""
    return TargetOverview(
        source=target.source,
        keys=sorted(target.keys),
        task=target.task,
        summary=target.describe(),
    )


def _quiet() -> None:
    """The user's prints and warnings must not land in the parent's terminal or TUI."""
    import warnings

    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (1, 2):
        os.dup2(devnull, stream)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    sys.stderr = sys.stdout


# --- processes ---------------------------------------------------------------------------
_CONTEXT: Any = None
_LOCK = threading.Lock()
_IDLE: dict[str, ProbeWorker] = {}


def process_context() -> Any:
    """The multiprocessing context every probe child is started from, made once: forkserver
    where there is one (fast starts, torch imported once in the server, no fork after
    threads), spawn elsewhere."""
    global _CONTEXT
    if _CONTEXT is None:
        # Start the resource tracker while stderr is still a real file: front ends such as
        # Textual replace sys.stderr, and the tracker cannot be started without its handle.
        resource_tracker.ensure_running()
        if "forkserver" in multiprocessing.get_all_start_methods():
            _CONTEXT = multiprocessing.get_context("forkserver")
            _CONTEXT.set_forkserver_preload(PRELOAD)
        else:
            _CONTEXT = multiprocessing.get_context("spawn")
    return _CONTEXT


def _borrow(spec: str) -> ProbeWorker:
    with _LOCK:
        worker = _IDLE.pop(spec, None)
    if worker is not None and worker.stamp == _stamp(spec):
        return worker
    if worker is not None:
        worker.close()
    return ProbeWorker(spec)


def _give_back(worker: ProbeWorker) -> None:
    if not worker.alive:
        worker.close()
        return
    with _LOCK:
        spare = _IDLE.pop(worker.spec, None)
        _IDLE[worker.spec] = worker
    if spare is not None:
        spare.close()


def _stamp(spec: str) -> float | None:
    try:
        return parse_target_spec(spec).file.stat().st_mtime
    except (OSError, TargetSpecError):  # the worker's load names the problem
        return None


atexit.register(close_workers)
