"""Every probe by id, what each needs from the target, and running one in this process.

What a probe is (id, title, cost, needs, yields) has one home, ``knowledge/probes.yaml``; this
module adds the function that runs each one. ``FUNCTIONS`` is the one place an id meets its
function, and building the registry fails at import, naming the ids, when the catalogue and
``FUNCTIONS`` disagree.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from knowledge.loader import bundled_probe_catalogue
from knowledge.schema import Probe
from knowledge.types import ProbeId
from probes.data.baselines import baselines
from probes.data.checks import data_checks
from probes.errors import (
    ProbeFailure,
    ProbeSkipped,
    TargetError,
    error_result,
    require,
    skipped_result,
)
from probes.model.activations import activations
from probes.model.batch_independence import batch_independence
from probes.model.common import exception_text, seed_everything
from probes.model.gradients import gradients
from probes.model.init_loss import init_loss
from probes.model.loss_target_check import loss_target_check
from probes.model.lr_range import lr_range
from probes.model.output_check import output_check
from probes.model.overfit_one_batch import overfit_one_batch
from probes.model.regularisation import regularisation
from probes.model.short_fit import short_fit
from probes.model.shuffled_labels_fit import shuffled_labels_fit
from probes.model.train_step_check import train_step_check
from probes.progress import ProgressFn, ignore_progress
from probes.result import ProbeResult
from probes.target import Target

ProbeFn = Callable[[Target, ProgressFn], ProbeResult]
"""A probe: runs on a loaded target, reports progress, returns its result."""

#: The function that runs each catalogue probe on a target.
FUNCTIONS: dict[ProbeId, ProbeFn] = {
    "output_check": output_check,
    "loss_target_check": loss_target_check,
    "init_loss": init_loss,
    "activations": activations,
    "batch_independence": batch_independence,
    "regularisation": regularisation,
    "gradients": gradients,
    "overfit_one_batch": overfit_one_batch,
    "lr_range": lr_range,
    "train_step_check": train_step_check,
    "short_fit": short_fit,
    "shuffled_labels_fit": shuffled_labels_fit,
    "data_checks": data_checks,
    "baselines": baselines,
}
#: Catalogue probes that do not run on a target, and what runs them instead.
NOT_ON_A_TARGET: dict[ProbeId, str] = {
    "curve": "probes.data.curve.analyse, on the curve files the drive loop reads",
    "watch": "probes.script, while the user's script runs (unstuck run)",
}


class RegistryError(Exception):
    """The probe catalogue and ``FUNCTIONS`` disagree: a programming error, found at import."""


@dataclass(frozen=True)
class RegisteredProbe:
    """One runnable probe: what the catalogue says about it, and the function that runs it."""

    entry: Probe
    run: ProbeFn


def build_registry(
    catalogue: Mapping[ProbeId, Probe],
    functions: Mapping[ProbeId, ProbeFn],
    elsewhere: Iterable[ProbeId] = (),
) -> dict[ProbeId, RegisteredProbe]:
    """Each runnable probe in catalogue order (the order a full run takes them).

    Raises ``RegistryError`` naming every catalogue id without a function and every function
    whose id is not in the catalogue.
    """
    skipped = set(elsewhere)
    without_function = [i for i in catalogue if i not in functions and i not in skipped]
    without_entry = [i for i in functions if i not in catalogue]
    problems = []
    if without_function:
        problems.append(f"no function for the catalogued probes {', '.join(without_function)}")
    if without_entry:
        problems.append(f"no catalogue entry for the functions {', '.join(without_entry)}")
    if problems:
        raise RegistryError(f"probe registry: {'; '.join(problems)} (see probes/registry.py)")
    return {
        probe_id: RegisteredProbe(entry, functions[probe_id])
        for probe_id, entry in catalogue.items()
        if probe_id in functions
    }


REGISTRY = build_registry(bundled_probe_catalogue(), FUNCTIONS, NOT_ON_A_TARGET)
#: Probe id -> function, for callers that only run probes (the server's job sandbox).
PROBES: dict[ProbeId, ProbeFn] = {probe_id: probe.run for probe_id, probe in REGISTRY.items()}


def allowed(keys: Iterable[str]) -> list[str]:
    """The probes a target with these keys can run, in the order a full run takes them."""
    present = set(keys)
    return [i for i, probe in REGISTRY.items() if set(probe.entry.needs) <= present]


def execute(probe_id: str, target: Target, progress: ProgressFn = ignore_progress) -> ProbeResult:
    """Run one probe here and now; anything the user's code raises becomes an error result."""
    started = time.perf_counter()
    result = _execute(probe_id, target, progress)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _execute(probe_id: str, target: Target, progress: ProgressFn) -> ProbeResult:
    probe = REGISTRY.get(probe_id)
    if probe is None:
        return error_result(probe_id, _unknown_probe_message(probe_id))
    seed_everything()
    try:
        require(target, *probe.entry.needs)
        with warnings.catch_warnings():
            # the user's code may warn on every step; findings carry what matters
            warnings.simplefilter("ignore")
            return probe.run(target, progress)
    except ProbeSkipped as skipped:
        return skipped_result(probe_id, f"the {probe_id} probe", str(skipped))
    except (ProbeFailure, TargetError) as failure:
        return error_result(probe_id, str(failure))
    except Exception as error:
        return error_result(probe_id, f"the probe stopped: {exception_text(error)}{_where(error)}")


def _unknown_probe_message(probe_id: str) -> str:
    return f"there is no probe '{probe_id}'; known probes: {', '.join(REGISTRY)}"


def _where(error: Exception) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    library = ("/probes/", "site-packages", "dist-packages", "/lib/python")
    outside = [f for f in frames if not any(part in f.filename for part in library)]
    if not outside:
        return ""
    frame = outside[-1]
    return f" (in {frame.filename}, line {frame.lineno})"
