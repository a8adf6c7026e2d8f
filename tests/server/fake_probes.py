"""Stand-in probes for the job tests (``UNSTUCK_PROBE_REGISTRY=fake_probes:PROBES``)."""

from __future__ import annotations

import time
from typing import Any

from probes.progress import Progress, ProgressFn
from probes.result import ProbeResult


def data_checks(target: Any, progress: ProgressFn) -> ProbeResult:
    """Misbehaves on request: a column named ``hang`` hangs it, one named ``hog`` eats memory."""
    frame = target.train_frame()
    if "hang" in frame.columns:
        time.sleep(3600)
    if "hog" in frame.columns:
        hoard = bytearray(8 * 1024**3)
        raise AssertionError(f"allocated {len(hoard)} bytes despite the limit")
    for step in range(1, 4):
        time.sleep(0.05)
        progress(Progress("data_checks", step / 4, f"check {step} of 3"))
    missing = "many" if frame.isna().any().any() else "none"
    return ProbeResult(
        id="data_checks",
        status="warn" if missing == "many" else "pass",
        facts={"missing_values": missing},
        values={"rows": len(frame)},
        finding=f"{len(frame)} rows checked.",
    )


def baselines(target: Any, progress: ProgressFn) -> ProbeResult:
    return ProbeResult(
        id="baselines", status="pass", facts={"baseline_signal": "strong"}, finding="Learnable."
    )


PROBES = {"data_checks": data_checks, "baselines": baselines}
