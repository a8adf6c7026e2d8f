"""Progress events that probes emit while they run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """How far one probe has got: ``fraction`` in [0, 1] and a short message."""

    probe: str
    fraction: float
    message: str


ProgressFn = Callable[[Progress], None]


def ignore_progress(progress: Progress) -> None:
    """A progress function that drops every event."""
