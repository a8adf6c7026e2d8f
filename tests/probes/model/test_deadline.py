"""The probes' time budget counts CPU time, so a busy machine gets the same findings."""

from __future__ import annotations

import time

from probes.model.common import WALL_FACTOR, Deadline


def _spin(cpu_seconds: float) -> None:
    end = time.process_time() + cpu_seconds
    while time.process_time() < end:
        pass


def test_waiting_uses_no_budget_but_the_wall_cap_still_ends_it() -> None:
    deadline = Deadline(0.5)
    time.sleep(0.2)  # a process that waits, as on a machine busy with other work
    assert not deadline.passed
    time.sleep(0.5 * WALL_FACTOR - 0.2 + 0.05)
    assert deadline.passed


def test_computing_uses_the_budget() -> None:
    deadline = Deadline(0.1)
    assert not deadline.passed
    _spin(0.12)
    assert deadline.passed
