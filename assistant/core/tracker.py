"""The session log and the state built from it: what undo and restart leave, what each event
changes in the state, and the facts the rules add.

Decides nothing and words nothing: the planner decides, the explainer words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.core.events import USER_STEPS, Attached, Event, Probed, Restart, Told, Undo
from assistant.core.reading import Reading, TextReader
from assistant.core.reading.errors import ErrorCatalogue, read_errors
from assistant.core.rules import derive
from assistant.core.state import Known, State
from knowledge.loader import KnowledgeBase
from knowledge.types import CauseId, FactId, Value

#: how many readings of typed text the tracker remembers
READING_CACHE = 4096
#: how many rule outcomes the tracker remembers (``facts_with_rules``)
CLOSURE_CACHE = 65536

ReadingKey = tuple[str, FactId | None, tuple[tuple[str, str], ...]]


def effective(events: Sequence[Event]) -> list[Event]:
    """The events that still count once restarts and undos are applied."""
    kept: list[Event] = []
    for event in events:
        if isinstance(event, Restart):
            kept = [e for e in kept if isinstance(e, Attached)]
        elif isinstance(event, Undo):
            for i in range(len(kept) - 1, -1, -1):
                if isinstance(kept[i], USER_STEPS):
                    kept = kept[:i] + [e for e in kept[i + 1 :] if isinstance(e, Attached)]
                    break
        else:
            kept.append(event)
    return kept


def user_steps(events: Sequence[Event]) -> int:
    return sum(isinstance(e, USER_STEPS) for e in events)


class Tracker:
    """Applies events to a conversation's state. Its memory (readings, rule outcomes) holds
    for every conversation, so one tracker serves them all."""

    def __init__(self, kb: KnowledgeBase, reader: TextReader) -> None:
        self.kb = kb
        self.reader = reader
        self._readings: dict[ReadingKey, Reading] = {}
        #: what the rules add to a set of known facts (``facts_with_rules``)
        self._closures: dict[frozenset[tuple[FactId, Value]], dict[FactId, Known]] = {}
        #: the pasted-error catalogue of this knowledge base, read against probe errors too
        self._errors = ErrorCatalogue(kb.errors)

    def read(self, text: str, expecting: FactId | None, known: dict[FactId, Value]) -> Reading:
        """The reader's reading, remembered: replays (restore, undo) read the same words again."""
        key = (text, expecting, tuple(sorted(known.items())))
        reading = self._readings.get(key)
        if reading is None:
            reading = self.reader.read(text, expecting=expecting, known=known)
            if len(self._readings) >= READING_CACHE:
                self._readings.pop(next(iter(self._readings)))
            self._readings[key] = reading
        return reading

    def forget_readings(self) -> None:
        """Drop remembered readings of typed text (benchmarks measure fresh reads)."""
        self._readings.clear()

    def facts_with_rules(self, state: State) -> dict[FactId, Known]:
        """The known facts and what the rules derive from them."""
        facts = dict(state.facts)
        values = frozenset((fact, known.value) for fact, known in state.facts.items())
        derived = self._closures.get(values)
        if derived is None:
            derived = {
                fact: Known(value, f"rule {rule.id}", rule.because)
                for fact, (value, rule) in derive(dict(values), self.kb.rules).items()
            }
            if len(self._closures) >= CLOSURE_CACHE:
                self._closures.clear()
            self._closures[values] = derived
        facts.update(derived)
        return facts

    def values_with_rules(self, state: State) -> dict[FactId, Value]:
        return {fact: known.value for fact, known in self.facts_with_rules(state).items()}

    def learn(
        self,
        state: State,
        facts: dict[FactId, Value],
        source: str,
        detail: str,
        evidence: Mapping[FactId, str] | None = None,
    ) -> list[tuple[FactId, Value]]:
        """Record the facts the knowledge base knows; returns those, to be confirmed.

        ``evidence`` says where each fact came from (the words, a line of pasted code or an
        error); a fact without it keeps ``detail``.
        """
        learnt = []
        for fact, value in facts.items():
            if fact not in self.kb.facts:
                continue
            state.facts[fact] = Known(value, source, (evidence or {}).get(fact, detail))
            learnt.append((fact, value))
        return learnt

    def told(self, state: State, event: Told) -> list[tuple[FactId, Value]]:
        """Record facts stated outright; returns those the knowledge base knows."""
        state.complaint_heard = True
        learnt: list[tuple[FactId, Value]] = []
        for fact, value in event.facts.items():
            # a fact read from a script names its line; answers name where they came from
            source = event.evidence.get(fact) or event.source or "your answers"
            learnt += self.learn(state, {fact: value}, source, event.source)
        if state.pending is not None and state.pending.fact in event.facts:
            state.asked.append(state.pending.id)
        return learnt

    def probed(self, state: State, event: Probed) -> None:
        result = event.result
        state.probes_done[result.id] = result.status
        for fact, value in result.facts.items():
            if fact in self.kb.facts:
                state.facts[fact] = Known(value, f"probe {result.id}", result.finding)
        self._probe_errors(state, result.id, result.facts, result.error or "", result.finding)

    def _probe_errors(
        self, state: State, probe: str, measured: Mapping[str, str], *texts: str
    ) -> None:
        """An exception the user's code raised during a probe is evidence, read like a pasted
        error: "all elements of input should be between 0 and 1" says BCELoss got logits.

        What the probe measured itself wins over what its message suggests, and so does any
        fact already known from an earlier step; a later probe's measurement replaces it.
        """
        text = "\n".join(t for t in texts if t)
        if not text:
            return
        reading = read_errors(text, catalogue=self._errors)
        for fact, value in reading.facts.items():
            if fact not in self.kb.facts or fact in measured or fact in state.facts:
                continue
            quote = reading.evidence.get(fact, text)
            state.facts[fact] = Known(value, f"probe {probe}", f"its error: {quote}")

    def attached(self, state: State, event: Attached) -> None:
        state.target = event.target
        state.target_keys = frozenset(event.keys)

    def fix_worked(self, state: State, cause: CauseId) -> None:
        state.pending = None
        state.fixed = cause
        state.finished = True

    def fix_failed(self, state: State, cause: CauseId) -> None:
        state.pending = None
        if cause in self.kb.causes:
            state.excluded.add(cause)
        # The user changed their code: earlier measurements no longer describe it.
        for fact in [f for f, k in state.facts.items() if k.source.startswith("probe ")]:
            del state.facts[fact]
        state.probes_done.clear()
        state.finished = False
