"""Errors the probe package raises at its edges, and the error result each becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from probes.result import ProbeResult

if TYPE_CHECKING:  # the target module imports this one
    from probes.target import Target


class TargetError(Exception):
    """The target cannot be used; the message names the key, what was found, what was expected."""


class ProbeFailure(Exception):
    """A probe could not go on because the user's code or data failed in a way it can name.

    The message is the finding users read, e.g. which layer raised and on which shapes; the runner
    turns it into an ``error`` result.
    """


class ProbeSkipped(Exception):
    """A probe cannot apply to this target; the message is the reason, worded to follow
    "cannot run, ..." (the runner makes it a ``Skipped:`` result without facts)."""


def require(target: Target, *keys: str) -> None:
    """Stop with a clear finding when the experiment lacks a key the probe needs."""
    missing = [key for key in keys if key not in target.keys]
    if missing:
        names = " and ".join(f"'{key}'" for key in missing)
        raise ProbeFailure(f"this probe needs {names} in the experiment, which it does not give")


def error_result(probe_id: str, message: str) -> ProbeResult:
    """The ``error`` result a failure becomes: the message, as a sentence, is the finding."""
    return ProbeResult(id=probe_id, status="error", finding=sentence(message), error=message)


def sentence(message: str) -> str:
    """The message with a capital first letter and a full stop."""
    text = message.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def skipped_result(probe_id: str, title: str, reason: str) -> ProbeResult:
    """What a probe that cannot apply reports: the contract has no "skip" status, so it passes
    without facts and says why in its finding, and nothing is concluded from it."""
    return ProbeResult(
        id=probe_id,
        status="pass",
        finding=f"Skipped: {title} cannot run, {reason}.",
        values={"skipped": True},
    )
