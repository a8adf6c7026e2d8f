"""The state of a conversation, replayed from its event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from assistant.core.events import Event
from assistant.core.replies import ProbeRequest, Question, Reply
from knowledge.types import CauseId, FactId, ProbeId, QuestionId, Value


@dataclass(frozen=True)
class Known:
    """A fact's value and where it came from."""

    value: Value
    source: str
    """"you said", "your answer", "probe lr_range", "rule output-range"."""
    detail: str = ""


@dataclass(frozen=True)
class Exchange:
    """One event of the log and what the assistant replied to it."""

    event: Event
    replies: list[Reply]


#: The decision to stop asking and give the diagnosis.
DIAGNOSE: Final = "diagnose"

#: What the assistant does next: ask for a probe, ask a question, or diagnose.
Decision = ProbeRequest | Question | Literal["diagnose"]

#: Decisions by what they depend on: the facts (rules applied), the excluded causes, the
#: questions asked, whether and what a target offers, the probes run.
Decisions = dict[tuple[object, ...], Decision]


@dataclass
class State:
    facts: dict[FactId, Known] = field(default_factory=dict)
    asked: list[QuestionId] = field(default_factory=list)
    """Questions answered or skipped, in order."""
    probes_done: dict[ProbeId, str] = field(default_factory=dict)
    """Probe id -> status of its latest run."""
    target: str | None = None
    target_keys: frozenset[str] = frozenset()
    pending: Question | None = None
    excluded: set[CauseId] = field(default_factory=set)
    """Causes whose fix did not help."""
    fixed: CauseId | None = None
    diagnosed: list[CauseId] = field(default_factory=list)
    """Causes of the latest diagnosis, the first one the fix is tried for."""
    clarifying: str = ""
    """The words a pending clarifying question is about."""
    complaint_heard: bool = False
    finished: bool = False
    exchanges: list[Exchange] = field(default_factory=list)
    decisions: Decisions = field(default_factory=dict, repr=False, compare=False)
    """Decisions made in this conversation (see ``Decisions``), kept across its replays."""

    def fact_values(self) -> dict[FactId, Value]:
        return {fact: known.value for fact, known in self.facts.items()}

    @property
    def questions_asked(self) -> int:
        return len([q for q in self.asked if not q.startswith("_")])
