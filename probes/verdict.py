"""What a probe's judging step returns, between its measuring step and its wording step.

A probe measures numbers, judges them against thresholds kept beside it as data, and words its
finding from both (STYLE.md 13): the judge gives the status, the facts and the named cases the
finding's sentence must say, and knows nothing of sentences itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.result import ProbeStatus


@dataclass(frozen=True)
class Verdict:
    """A probe's judgement of what it measured."""

    status: ProbeStatus
    facts: dict[str, str] = field(default_factory=dict)
    """Fact id -> value from the knowledge base."""
    cases: tuple[str, ...] = ()
    """What the judge found, by name (each probe lists its own), in the order the finding
    says them."""
