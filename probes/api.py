"""Run probes on objects in memory, for notebooks.

    from probes.api import run, run_all
    result = run("overfit_one_batch", {"model": make_model, "train": (X, y), ...})

Probes run in this process (no time limit here) on a fresh model from the factory and on copies
of the data; the user's objects are left as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from probes.progress import ProgressFn, ignore_progress
from probes.registry import allowed, execute
from probes.result import ProbeResult
from probes.target import Target


def run(
    probe_id: str, experiment: dict[str, Any], progress: ProgressFn = ignore_progress
) -> ProbeResult:
    """Run one probe; ``TargetError`` when the experiment dict itself is wrong."""
    target = Target.from_experiment(experiment)
    return execute(probe_id, target, progress)


def run_all(
    experiment: dict[str, Any],
    ids: Sequence[str] | None = None,
    progress: ProgressFn = ignore_progress,
) -> list[ProbeResult]:
    """Run the given probes, or every probe the experiment allows, in turn."""
    target = Target.from_experiment(experiment)
    chosen = list(ids) if ids is not None else allowed(target.keys)
    return [execute(probe_id, target, progress) for probe_id in chosen]
