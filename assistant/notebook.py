"""Diagnose objects in memory, from a notebook.

    from assistant.notebook import diagnose
    outcome = diagnose({"model": make_model, "train": (X, y), "loss": loss, "optimizer": opt},
                       say="the loss is stuck at 0.69")
    outcome.found, outcome.causes[0].fix

Probes run in this process on a fresh model and copies of the data (``probes.api``); the
user's objects are left as they were.

Or watch the training code you already have, as ``unstuck run`` does for a script::

    from assistant.notebook import watch
    with watch() as w:
        train(model, loader)          # stops by itself after 100 optimizer steps
    outcome = w.diagnose(say="the loss is stuck")
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from assistant.core.engine import Engine
from assistant.core.reading.errors import ErrorReading, read_errors
from assistant.drive import headless
from knowledge.loader import bundled
from probes.result import ProbeResult

if TYPE_CHECKING:
    from probes.watch.hooks import Watcher

#: Optimizer steps a notebook watch lets the code take before it stops it.
WATCH_STEPS = 100


def diagnose(
    experiment: Mapping[str, Any] | None = None,
    *,
    say: str | None = None,
    answers: Mapping[str, str] | None = None,
) -> headless.DiagnosisReport:
    """Hold the whole diagnosis: the complaint, the probes the experiment allows, the answers."""
    engine = Engine(bundled())
    if experiment is None:
        return headless.run(engine, say=say, answers=answers)[1]
    from probes.api import run
    from probes.target import Target

    target = Target.from_experiment(dict(experiment))

    def run_in_memory(probe_id: str) -> ProbeResult:
        return run(probe_id, dict(experiment))

    _, outcome = headless.run(
        engine,
        say=say,
        answers=answers,
        target="<memory>",
        target_keys=sorted(target.keys),
        probe_runner=run_in_memory,
    )
    return outcome


def watch(steps: int = WATCH_STEPS) -> Watch:
    """Watch the training code run inside ``with``: it is stopped after ``steps`` optimizer
    steps (quietly: the ``with`` block ends there), then ``diagnose`` probes what it built."""
    return Watch(steps)


class Watch:
    """What one ``with watch():`` block saw; ``diagnose`` runs the whole diagnosis on it."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.error: str | None = None
        self.seconds = 0.0
        self._watcher: Watcher | None = None
        self._started = 0.0

    def __enter__(self) -> Watch:
        from probes.watch.hooks import Watcher

        self._watcher = Watcher(stop_after=self.steps)
        self._started = time.perf_counter()
        self._watcher.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        from probes.watch.hooks import StopWatching

        if self._watcher is not None:
            self._watcher.__exit__(kind, error, traceback)
        self.seconds = time.perf_counter() - self._started
        if error is not None and not isinstance(error, StopWatching):
            self.error = f"{type(error).__name__}: {error}"
        # The watcher's own stop ends the block quietly; the user's errors still show.
        return isinstance(error, StopWatching)

    @property
    def result(self) -> ProbeResult:
        from probes.watch.capture import main_model
        from probes.watch.judge import judge, measure
        from probes.watch.judge import result as watch_result

        recording = self._recording()
        seen = measure(recording, main_model(recording), self.error)
        outcome = watch_result(seen, judge(seen))
        outcome.seconds = round(self.seconds, 3)
        return outcome

    @property
    def errors(self) -> ErrorReading:
        return read_errors(self.error) if self.error else ErrorReading()

    @property
    def error_source(self) -> str:
        return "the error the watched code raised"

    def notes(self) -> list[str]:
        count = self._recording().step_count
        return [f"unstuck watched {count} optimizer steps of the code in the with block."]

    def diagnose(
        self, *, say: str | None = None, answers: Mapping[str, str] | None = None
    ) -> headless.DiagnosisReport:
        """The whole diagnosis: what the loop showed, then probes on what it built."""
        from probes.errors import TargetError
        from probes.registry import execute
        from probes.watch.capture import build_target, main_model

        recording = self._recording()
        engine = Engine(bundled())
        try:
            target = build_target(recording, main_model(recording), "<watched>")
        except TargetError:
            return headless.run(engine, say=say, answers=answers, watched=self)[1]

        def run_in_memory(probe_id: str) -> ProbeResult:
            return execute(probe_id, target)

        _, outcome = headless.run(
            engine,
            say=say,
            answers=answers,
            target="<watched>",
            target_keys=sorted(target.keys),
            probe_runner=run_in_memory,
            watched=self,
        )
        return outcome

    def _recording(self) -> Any:
        if self._watcher is None:
            raise RuntimeError("use watch() in a with block before asking what it saw")
        return self._watcher.recording
