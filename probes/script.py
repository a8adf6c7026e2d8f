"""Run a user's training script unchanged in a child process, watch its loop, then probe it.

The child runs the script as ``python SCRIPT.py ARGS`` would (``runpy`` with ``__main__``,
its own ``sys.argv``, the caller's working directory, the script's folder on ``sys.path``)
with a ``Watcher`` installed. It stops the script after N optimizer steps (a hook raises
after the step) or S seconds (an alarm), or when the script ends; judges what it saw; builds
a ``Target`` from what it captured; and then serves probe runs by id over the pipe exactly
as ``probes.runner.ProbeWorker``'s child does. ``ScriptWorker`` is that worker seen from the
parent: the drive loop runs probes through it like any other.
"""

from __future__ import annotations

import collections
import os
import runpy
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import BaseModel, Field

from probes.errors import TargetError, error_result
from probes.result import ProbeResult
from probes.runner import (
    POLL,
    THREADS_VARIABLE,
    PipeProgress,
    ProbeWorker,
    TargetOverview,
    overview_of,
    process_context,
)

#: Optimizer steps watched by default: enough for a loss trend, short enough for a check.
DEFAULT_STEPS = 100
#: Seconds the script may run by default (imports and data loading count).
DEFAULT_SECONDS = 60.0
#: Seconds past ``seconds`` the parent waits for the child to stop, judge and build the
#: target before it kills it.
GRACE = 30.0
#: How much of the script's own output is kept, to show a usage message or an error.
OUTPUT_TAIL = 2_000
SCRIPT_ID = "watch"


class ScriptRun(BaseModel):
    """How to run the script: what ``python SCRIPT ARGS`` in ``cwd`` would do."""

    path: str
    args: list[str] = Field(default_factory=list)
    cwd: str
    steps: int = DEFAULT_STEPS
    seconds: float = DEFAULT_SECONDS


class Watched(BaseModel):
    """What watching the script gave: the watch result, and what the probes can use."""

    result: ProbeResult
    """The ``watch`` result: facts seen in the real loop, with the finding."""
    overview: TargetOverview | None = None
    """The target built from what was captured; None when nothing usable was."""
    allowed: list[str] = Field(default_factory=list)
    error: str | None = None
    """The error the script raised, as ``"IndexError: Target 10 is out of bounds"``."""
    error_line: str | None = None
    """Where in the user's files it was raised: ``"train.py, line 23"``."""
    output: str = ""
    """The end of what the script printed."""
    target_problem: str | None = None
    """Why no target could be built, when none was."""


class ScriptError(Exception):
    """The script cannot be run at all (missing, not Python); the message says why."""


def check_script(path: str) -> Path:
    """The script's path; ``ScriptError`` when it does not exist or is not a Python file."""
    file = Path(path)
    if not file.exists():
        raise ScriptError(
            f"the script '{path}' does not exist. Give the path of the Python file that "
            "trains your model, as you would run it: unstuck run train.py"
        )
    if not file.is_file():
        raise ScriptError(f"'{path}' is a folder; give the Python file that trains the model")
    if file.suffix not in (".py", ".pyw"):
        raise ScriptError(
            f"'{path}' is not a Python script (expected a .py file); unstuck run runs "
            "Python training scripts. For a notebook, use assistant.notebook.watch()"
        )
    raw = file.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ScriptError(f"'{path}' holds binary data, not Python source; give the .py file")
    try:
        compile(raw, str(file), "exec")
    except SyntaxError as error:
        raise ScriptError(
            f"'{path}' is not valid Python: {error.msg} (line {error.lineno}). Fix it so that "
            "python can run it, then try again"
        ) from error
    return file


# --- the parent's side --------------------------------------------------------------------
class ScriptWorker(ProbeWorker):
    """One child that ran the script once and now holds what it built.

    The script is never run twice: if the child dies (a probe crashed it), later probes
    come back as ``error`` results instead of a second run of the user's code.
    """

    def __init__(self, run: ScriptRun) -> None:
        super().__init__(run.path)
        self.request = run
        self.watched: Watched | None = None

    def watch(self) -> Watched:
        """Run the script and wait until it is watched (or stopped); never raises for what
        the script does."""
        if self.watched is not None:
            return self.watched
        parent, child = process_context().Pipe()
        self._process = process_context().Process(
            target=script_main, args=(child, self.request.model_dump()), name="unstuck-script"
        )
        started = time.perf_counter()
        self._process.start()
        child.close()
        self._conn = parent
        self.watched = self._wait_for_watch(self.request.seconds + GRACE)
        self.watched.result.seconds = round(time.perf_counter() - started, 3)
        if self.watched.overview is None:
            self.close()
        self.overview = self.watched.overview
        self.allowed = list(self.watched.allowed)
        return self.watched

    def start(self, timeout: float = 0.0) -> TargetOverview:
        watched = self.watch()
        if self.alive and self.overview is not None:
            return self.overview
        if watched.overview is None:
            raise TargetError(watched.target_problem or "nothing the probes can use was captured")
        raise TargetError(
            "the process that held what your script built has ended (a probe crashed it); "
            "run unstuck run again to check the rest"
        )

    def _wait_for_watch(self, limit: float) -> Watched:
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            message = self._receive(POLL)
            if message is not None and message[0] == "watched":
                return Watched.model_validate(message[1])
            if message is not None or not self.alive:
                code = self._exit_code()
                self.close()
                return _ended(self.request, code)
        self.close()
        return _stopped_hard(self.request, limit)


def _ended(run: ScriptRun, code: int | None) -> Watched:
    text = (
        f"the script's process ended without a word (exit code {code}): the script, a "
        "library or the data crashed the Python interpreter (or killed it for memory)"
    )
    return Watched(result=error_result(SCRIPT_ID, text), target_problem=text)


def _stopped_hard(run: ScriptRun, limit: float) -> Watched:
    text = (
        f"the script did not stop at --seconds {run.seconds:g}, nor {limit - run.seconds:g} s "
        "later, and was killed: it hangs where Python cannot interrupt it (inside a C "
        "library, or waiting on a DataLoader worker). Run it with num_workers=0 to see where"
    )
    return Watched(result=error_result(SCRIPT_ID, text), target_problem=text)


# --- the child ----------------------------------------------------------------------------
class _StopAtDeadline(BaseException):
    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where
        """" while in __getitem__ (data.py, line 16)", or empty."""


class _Tail:
    """A text stream that keeps only the end of what is written to it."""

    def __init__(self, size: int) -> None:
        self.chunks: collections.deque[str] = collections.deque()
        self.size = size
        self.kept = 0

    def write(self, text: str) -> int:
        self.chunks.append(text)
        self.kept += len(text)
        while self.kept - len(self.chunks[0]) >= self.size:
            self.kept -= len(self.chunks.popleft())
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    @property
    def text(self) -> str:
        return "".join(self.chunks)[-self.size :]


def script_main(conn: Connection, request: dict[str, Any]) -> None:
    """The child: run and watch the script, report, then run probes on request."""
    import torch

    from probes.registry import allowed, execute
    from probes.watch.capture import build_target, main_model
    from probes.watch.hooks import RefusedByWatcher, StopWatching, Watcher
    from probes.watch.judge import measure

    run = ScriptRun.model_validate(request)
    tail = _silence()
    os.chdir(run.cwd)
    script = str(Path(run.path).resolve())
    sys.argv = [run.path, *run.args]
    sys.path.insert(0, str(Path(script).parent))
    error: BaseException | None = None
    stopped = ""
    exit_code: object = None
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, run.seconds)
    started = time.perf_counter()
    with Watcher(stop_after=run.steps) as watcher:
        try:
            runpy.run_path(script, run_name="__main__")
        except StopWatching:
            stopped = f", stopped there after {time.perf_counter() - started:.1f} s"
        except _StopAtDeadline as deadline:
            stopped = f", stopped at the --seconds limit of {run.seconds:g} s{deadline.where}"
        except SystemExit as exit_:
            exit_code = exit_.code
        except RefusedByWatcher as refused:
            error = refused
        except BaseException as raised:  # the script's own error is the finding
            error = raised
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    torch.set_num_threads(max(int(os.environ.get(THREADS_VARIABLE, "1")), 1))
    recording = watcher.recording
    main = main_model(recording)
    error_text = _error_text(error) if error is not None else None
    error_line = _user_line(error, script) if error is not None else None
    shown_error = f"{error_text} ({error_line})" if error_text and error_line else error_text
    seen = measure(recording, main, shown_error, stopped)
    result = _watch_result(seen, exit_code, tail.text, run)
    watched = Watched(
        result=result,
        error=error_text,
        error_line=error_line,
        output=tail.text,
    )
    target = None
    try:
        target = build_target(recording, main, f"{run.path} (as it ran)")
        watched.overview = overview_of(target)
        watched.allowed = allowed(target.keys)
    except TargetError as problem:
        watched.target_problem = str(problem)
    except Exception as problem:  # a capture that cannot be read must still be reported
        watched.target_problem = f"the captured data could not be used: {problem}"
    conn.send(("watched", watched.model_dump()))
    if target is None:
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message[0] != "run":
            return
        probe_result = execute(message[1], target, PipeProgress(conn))
        conn.send(("result", probe_result.model_dump()))


def _watch_result(seen: Any, exit_code: object, output: str, run: ScriptRun) -> ProbeResult:
    from probes.watch.judge import judge, result

    verdict = judge(seen)
    watched = result(seen, verdict)
    if exit_code not in (None, 0) and not seen.steps:
        watched.status = "error"
        watched.error = f"the script exited with code {exit_code} before any optimizer step"
        watched.finding = _exit_finding(exit_code, output, run)
    return watched


def _exit_finding(code: object, output: str, run: ScriptRun) -> str:
    last = output.strip()[-600:]
    said = f" Its last output: {last}" if last else ""
    usage = "usage:" in output.lower()
    hint = (
        f" It needs arguments: give them after --, as in unstuck run {run.path} -- ARGS."
        if usage
        else ""
    )
    return f"The script exited (sys.exit({code!r})) before any optimizer step.{hint}{said}"


def _alarm(signum: int, frame: FrameType | None) -> None:
    where = ""
    if frame is not None:
        mine = [f for f in traceback.extract_stack(frame) if not _library(f.filename)]
        if mine:
            last = mine[-1]
            where = f" while in {last.name} ({Path(last.filename).name}, line {last.lineno})"
    raise _StopAtDeadline(where)


def _library(filename: str) -> bool:
    parts = ("site-packages", "dist-packages", "/lib/python", f"{os.sep}probes{os.sep}", "<")
    return any(part in filename for part in parts)


def _silence() -> _Tail:
    """The script's prints must not reach the report; the end of them is kept."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (1, 2):
        os.dup2(devnull, stream)
    tail = _Tail(OUTPUT_TAIL)
    sys.stdout = tail
    sys.stderr = tail
    return tail


def _error_text(error: BaseException) -> str:
    message = str(error).strip()
    if type(error).__name__ == "RefusedByWatcher":
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _user_line(error: BaseException, script: str) -> str | None:
    """The last line of the user's own code in the traceback (the script, or its folder)."""
    folder = str(Path(script).parent)
    library = ("site-packages", "dist-packages", "/lib/python", f"{os.sep}probes{os.sep}")
    frames = traceback.extract_tb(error.__traceback__)
    mine = [
        f
        for f in frames
        if f.filename.startswith(folder) and not any(part in f.filename for part in library)
    ]
    if not mine:
        return None
    frame = mine[-1]
    return f"{os.path.relpath(frame.filename, folder)}, line {frame.lineno}"
