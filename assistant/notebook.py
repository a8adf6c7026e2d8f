"""Diagnose objects in memory, from a notebook.

    from assistant.notebook import diagnose
    outcome = diagnose({"model": make_model, "train": (X, y), "loss": loss, "optimizer": opt},
                       say="the loss is stuck at 0.69")
    outcome.found, outcome.causes[0].fix

Probes run in this process on a fresh model and copies of the data (``probes.api``); the
user's objects are left as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.core.engine import Engine
from assistant.drive import headless
from knowledge.loader import bundled
from probes.result import ProbeResult


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
