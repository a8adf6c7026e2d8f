"""One check's verdict on one fact, and how several verdicts become a probe's result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from probes.progress import Progress, ProgressFn
from probes.result import Measured, ProbeResult, ProbeStatus

Severity = Literal["ok", "warn", "fail"]
#: Reports how far a probe has got: a fraction in [0, 1] and a short message.
Step = Callable[[float, str], None]

_STATUS: dict[Severity, ProbeStatus] = {"ok": "pass", "warn": "warn", "fail": "fail"}
_RANK: dict[Severity, int] = {"ok": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class Check:
    """A fact's value as measured, how bad it is, and a few plain words when it is a problem."""

    fact: str
    value: str
    severity: Severity = "ok"
    note: str = ""
    values: dict[str, Measured] = field(default_factory=dict)


def steps(probe: str, progress: ProgressFn) -> Step:
    """A ``Step`` that sends each report on as the probe's ``Progress`` event."""
    return lambda fraction, message: progress(Progress(probe, fraction, message))


def summarise(probe: str, checks: list[Check], clean: str, seconds: float) -> ProbeResult:
    """The probe's result: every fact, every measurement, and the problems as one line."""
    worst: Severity = max((check.severity for check in checks), key=_RANK.__getitem__, default="ok")
    values: dict[str, Measured] = {}
    for check in checks:
        values.update(check.values)
    notes = [check.note for check in checks if check.severity != "ok" and check.note]
    return ProbeResult(
        id=probe,
        status=_STATUS[worst],
        facts={check.fact: check.value for check in checks},
        values=values,
        finding=sentence(notes) if notes else clean,
        seconds=round(seconds, 3),
    )


def sentence(notes: list[str]) -> str:
    """Notes joined into one line that starts with a capital and ends with a full stop."""
    text = "; ".join(notes)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def number(value: float) -> str:
    """A number as people read it: three significant digits, large ones with commas."""
    rounded = float(f"{value:.3g}")
    if 1e4 <= abs(rounded) < 1e15:
        return f"{rounded:,.0f}"
    return f"{value:.3g}"


def plural(count: int, word: str) -> str:
    """``1 column``, ``2 columns``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def percent(share: float) -> str:
    """A share as a percentage with one decimal, e.g. ``12.5%``."""
    return f"{100 * share:.1f}%"
