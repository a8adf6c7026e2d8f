"""Every probe by id, what each needs from the target, and running one in this process.

Ids and needs match ``knowledge/probes.yaml`` (a test checks it). The data probes come from
``probes.data`` when that package is importable.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable, Iterable

from probes.errors import ProbeFailure, TargetError, error_result
from probes.model import PROBES as MODEL_PROBES
from probes.model.common import exception_text, seed_everything
from probes.progress import ProgressFn, ignore_progress
from probes.result import ProbeResult
from probes.target import Target

ProbeFn = Callable[[Target, ProgressFn], ProbeResult]

#: What each probe needs from the target, as in knowledge/probes.yaml.
NEEDS: dict[str, tuple[str, ...]] = {
    "output_check": ("model",),
    "loss_target_check": ("model", "loss"),
    "init_loss": ("model", "loss"),
    "activations": ("model",),
    "gradients": ("model", "loss", "optimizer"),
    "overfit_one_batch": ("model", "loss", "optimizer"),
    "lr_range": ("model", "loss", "optimizer"),
    "train_step_check": ("model", "loss", "optimizer", "train_step"),
    "short_fit": ("model", "loss", "optimizer"),
    "data_checks": ("train",),
    "baselines": ("train",),
    "curve": ("curve",),
}

#: Why the data probes are missing, when they are.
DATA_PROBES_PROBLEM: str | None = None


def _data_probes() -> dict[str, ProbeFn]:
    global DATA_PROBES_PROBLEM
    try:
        from probes import data
    except Exception as error:  # the data probes are optional; say why they are missing
        DATA_PROBES_PROBLEM = exception_text(error)
        return {}
    found = getattr(data, "PROBES", None)
    return dict(found) if isinstance(found, dict) else {}


PROBES: dict[str, ProbeFn] = {**MODEL_PROBES, **_data_probes()}


def allowed(keys: Iterable[str]) -> list[str]:
    """The probes a target with these keys can run, in the order a full run takes them."""
    present = set(keys)
    return [probe_id for probe_id in PROBES if set(NEEDS.get(probe_id, ())) <= present]


def execute(probe_id: str, target: Target, progress: ProgressFn = ignore_progress) -> ProbeResult:
    """Run one probe here and now; anything the user's code raises becomes an error result."""
    started = time.perf_counter()
    result = _execute(probe_id, target, progress)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _execute(probe_id: str, target: Target, progress: ProgressFn) -> ProbeResult:
    probe = PROBES.get(probe_id)
    if probe is None:
        return error_result(probe_id, unknown_probe_message(probe_id))
    missing = [key for key in NEEDS.get(probe_id, ()) if key not in target.keys]
    if missing:
        names = " and ".join(f"'{key}'" for key in missing)
        return error_result(
            probe_id, f"this probe needs {names} in the experiment, which it does not give"
        )
    seed_everything()
    try:
        with warnings.catch_warnings():
            # the user's code may warn on every step; findings carry what matters
            warnings.simplefilter("ignore")
            return probe(target, progress)
    except (ProbeFailure, TargetError) as failure:
        return error_result(probe_id, str(failure))
    except Exception as error:
        return error_result(probe_id, f"the probe stopped: {exception_text(error)}{_where(error)}")


def unknown_probe_message(probe_id: str) -> str:
    known = ", ".join(PROBES)
    extra = (
        f" (the data probes are unavailable: {DATA_PROBES_PROBLEM})" if DATA_PROBES_PROBLEM else ""
    )
    return f"there is no probe '{probe_id}'; known probes: {known}{extra}"


def _where(error: Exception) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    library = ("/probes/", "site-packages", "dist-packages", "/lib/python")
    outside = [f for f in frames if not any(part in f.filename for part in library)]
    if not outside:
        return ""
    frame = outside[-1]
    return f" (in {frame.filename}, line {frame.lineno})"
