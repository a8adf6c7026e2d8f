"""The one error the data probes raise for input they cannot work with."""

from __future__ import annotations

from probes.errors import ProbeFailure


class DataError(ProbeFailure, ValueError):
    """The table, label or curve file cannot be used; the message says what was seen and what to do.

    The probe runner turns it into an ``error`` result whose finding is the message; front ends
    that read files themselves (``--data``, uploads, pasted curves) show the message as it is.
    """
