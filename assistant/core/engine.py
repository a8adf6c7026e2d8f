"""The dialogue engine: applies a session's events to its state and replies to each.

A facade over the parts that do the work: the tracker (``tracker.py``) applies events to the
state, the planner (``planner.py``) decides the next step, the explainer (``explainer.py``)
words every reply, the belief model (``beliefs.py``) ranks the causes.

Pure: no I/O, no clock, no randomness. The same events and knowledge base always give the same
state and replies, which is what makes undo, restore-after-restart and "why" cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.core.beliefs import BeliefModel
from assistant.core.events import (
    Answered,
    Attached,
    Event,
    Finish,
    FixTried,
    Probed,
    Restart,
    Said,
    Told,
    Undo,
)
from assistant.core.explainer import (
    ASK_INSTEAD,
    GREETING,
    NO_EVIDENCE,
    NOTHING_TO_UNDO,
    REPHRASE,
    UNDONE,
    Explainer,
    not_a_choice,
)
from assistant.core.planner import AskQuestion, NextStep, Planner, RunProbe
from assistant.core.reading import TextReader
from assistant.core.replies import (
    CLARIFY_QUESTION,
    NONE_OF_THESE,
    OUTCOME_QUESTION,
    CauseCard,
    Diagnosis,
    ProbeRequest,
    Question,
    Ranked,
    Reply,
    Text,
)
from assistant.core.state import DIAGNOSE, Decision, Decisions, Exchange, Known, State
from assistant.core.tracker import Tracker, effective, user_steps
from knowledge.loader import KnowledgeBase
from knowledge.schema import Thresholds
from knowledge.types import UNKNOWN, CauseId, FactId, Value

# Names front ends and tests import from here, wherever they are defined.
__all__ = [
    "CLARIFY_QUESTION",
    "GREETING",
    "NO_EVIDENCE",
    "OUTCOME_QUESTION",
    "REPHRASE",
    "Engine",
    "Ranked",
    "effective",
    "match_choice",
]


class Engine:
    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        reader: TextReader | None = None,
    ) -> None:
        """``thresholds`` replace the knowledge base's own (benchmarks ask fewer questions)."""
        self.kb = kb
        self.thresholds = thresholds or kb.thresholds
        self.model = BeliefModel(kb)
        self.reader = reader or TextReader(kb)
        self.tracker = Tracker(kb, self.reader)
        self.planner = Planner(kb, self.model, self.thresholds)
        self.explainer = Explainer(kb, self.model, self.thresholds.evidence_ratio)

    # -- replay -------------------------------------------------------------------------

    def replay(self, events: Sequence[Event], decisions: Decisions | None = None) -> State:
        """The state after ``events``. ``decisions`` from an earlier state of the same
        conversation spare re-planning the steps it has seen (undo and restart replay the log)."""
        state = State(decisions={} if decisions is None else decisions)
        for event in effective(events):
            replies = self._apply(state, event)
            state.exchanges.append(Exchange(event=event, replies=replies))
        return state

    def step(self, state: State, event: Event) -> list[Reply]:
        """Apply one more event to a replayed ``state`` (not undo or restart, which replay)."""
        if isinstance(event, Undo | Restart):
            raise ValueError("undo and restart change the past: replay the log instead")
        replies = self._apply(state, event)
        state.exchanges.append(Exchange(event=event, replies=replies))
        return replies

    def replies_to_last(self, events: Sequence[Event]) -> list[Reply]:
        """What the assistant says in answer to the last event of ``events``."""
        return self.replay_last(events)[1]

    def replay_last(
        self, events: Sequence[Event], decisions: Decisions | None = None
    ) -> tuple[State, list[Reply]]:
        """The state after ``events`` and what the assistant says to the last of them."""
        state = self.replay(events, decisions)
        if not events:
            return state, [Text(text=GREETING)]
        if isinstance(events[-1], Undo):
            return state, self._undo_replies(events, state)
        if not state.exchanges:
            return state, [Text(text=GREETING)]
        return state, state.exchanges[-1].replies

    def _undo_replies(self, events: Sequence[Event], state: State) -> list[Reply]:
        before = effective(events[:-1])
        after = effective(events)
        if len(after) == len(before) and user_steps(before) == 0:
            return [Text(text=NOTHING_TO_UNDO)]
        replies: list[Reply] = [Text(text=UNDONE)]
        if state.pending is not None:
            replies.append(state.pending)
        elif not state.complaint_heard:
            replies.append(Text(text=GREETING))
        return replies

    def forget_readings(self) -> None:
        """Drop remembered readings of typed text (benchmarks measure fresh reads)."""
        self.tracker.forget_readings()

    # -- one event ----------------------------------------------------------------------

    def _apply(self, state: State, event: Event) -> list[Reply]:
        if isinstance(event, Said):
            return self._said(state, event.text)
        if isinstance(event, Answered):
            return self._answered(state, event.question, event.value)
        if isinstance(event, Told):
            learnt = self.tracker.told(state, event)
            # facts read from a script are findings the user has not seen yet: say them, each
            # with its line, before asking on
            found = self.explainer.read_from(event.source, learnt, event.evidence)
            return [found, *self._next(state)] if found is not None else self._next(state)
        if isinstance(event, Probed):
            self.tracker.probed(state, event)
            return self._next(state)
        if isinstance(event, Attached):
            self.tracker.attached(state, event)
            return self._next(state)
        if isinstance(event, FixTried):
            return self._fix_tried(state, event.cause, event.result == "fixed")
        if isinstance(event, Finish):
            state.pending = None
            return self._diagnose(state)
        return []

    def _said(self, state: State, text: str) -> list[Reply]:
        pending = state.pending
        if pending is not None:
            choice = match_choice(text, pending)
            if choice is not None:
                return self._answered(state, pending.id, choice)
        expecting = pending.fact if pending else None
        reading = self.tracker.read(text, expecting, state.fact_values())
        notes = [Text(text=note, tone="notice") for note in reading.notes]
        if reading.empty:
            if pending is not None:
                return [*notes, Text(text=not_a_choice(text, pending), tone="notice"), pending]
            return [*notes, Text(text=REPHRASE, tone="notice")]
        state.complaint_heard = True
        if reading.facts and state.fixed is None:
            state.finished = False
        replies: list[Reply] = list(notes)
        learnt = self.tracker.learn(state, reading.facts, "you said", text, reading.evidence)
        if learnt:
            replies.append(self.explainer.noted(learnt))
        if pending is not None and pending.fact in reading.facts:
            state.asked.append(pending.id)
            state.pending = None
        unsure = [(f, v) for f, v in reading.unsure if f not in state.facts]
        if unsure and not reading.facts:
            question = self.explainer.clarify(unsure)
            state.clarifying = text
            state.pending = question
            return [*replies, question]
        return replies + self._next(state)

    def _answered(self, state: State, question_id: str, value: Value) -> list[Reply]:
        pending = state.pending
        if pending is None or pending.id != question_id:
            if question_id in state.asked:
                return [self.explainer.already_answered(question_id)]
            return [self.explainer.not_asked(question_id)]
        allowed = [o.value for o in pending.choices]
        if value not in allowed and value != UNKNOWN:
            return [Text(text=not_a_choice(value, pending), tone="notice"), pending]
        state.pending = None
        state.complaint_heard = True
        if question_id == OUTCOME_QUESTION:
            cause = state.diagnosed[0] if state.diagnosed else ""
            return self._fix_tried(state, cause, value == "fixed")
        state.asked.append(question_id)
        if question_id == CLARIFY_QUESTION:
            return self._clarified(state, value)
        if value != UNKNOWN:
            state.facts[pending.fact] = Known(value, "your answer", pending.text)
        return self._next(state)

    def _clarified(self, state: State, value: Value) -> list[Reply]:
        if value not in (NONE_OF_THESE, UNKNOWN):
            fact, _, fact_value = value.partition("=")
            learnt = self.tracker.learn(state, {fact: fact_value}, "you said", state.clarifying)
            return [self.explainer.noted(learnt), *self._next(state)]
        if not state.facts and state.target is None:
            return [Text(text=REPHRASE, tone="notice")]
        return [Text(text=ASK_INSTEAD, tone="notice"), *self._next(state)]

    def _fix_tried(self, state: State, cause: CauseId, fixed: bool) -> list[Reply]:
        if fixed:
            self.tracker.fix_worked(state, cause)
            return [self.explainer.fix_worked(cause)]
        self.tracker.fix_failed(state, cause)
        return [self.explainer.fix_failed(cause), *self._next(state)]

    # -- the next step ------------------------------------------------------------------

    def _next(self, state: State) -> list[Reply]:
        if state.finished:
            return []
        facts = self.tracker.values_with_rules(state)
        excluded = frozenset(state.excluded)
        # Sorted tuples of strings, not frozensets: the collector stops tracking such a tuple,
        # while every set stays tracked, and a conversation keeps each key it decided for.
        key = (
            tuple(sorted(facts.items())),
            tuple(sorted(excluded)),
            tuple(state.asked),
            state.target is not None,
            tuple(sorted(state.target_keys)),
            tuple(sorted(state.probes_done)),
        )
        decision = state.decisions.get(key)
        if decision is None:
            step = self.planner.decide(state, facts, excluded)
            decision = state.decisions[key] = self._worded(step)
        if isinstance(decision, ProbeRequest):
            state.pending = None
            return [decision]
        if isinstance(decision, Question):
            state.pending = decision
            return [decision]
        return self._diagnose(state)

    def _worded(self, step: NextStep) -> Decision:
        if isinstance(step, RunProbe):
            return self.explainer.probe_request(step.probe)
        if isinstance(step, AskQuestion):
            return self.explainer.question(step.question, step.leaders)
        return DIAGNOSE

    def _diagnose(self, state: State) -> list[Reply]:
        ranking = self.ranking(state)
        found = self.reportable(state, ranking)
        # with nothing known a ranking would only repeat the priors: say so, show no cards
        shown = found or (ranking[:3] if state.facts else [])
        cards = [self.card(state, r.id, r.confidence) for r in shown]
        state.diagnosed = [r.id for r in found]
        diagnosis = Diagnosis(
            found=[r.id for r in found],
            cards=cards,
            settled=bool(found),
            text=self.explainer.verdict(found, knows_something=bool(state.facts)),
        )
        if found and not self.explainer.means_nothing_wrong(found[0].id):
            question = self.explainer.fix_question(found[0])
            state.pending = question
            return [diagnosis, question]
        state.finished = True
        return [diagnosis]

    # -- results front ends read --------------------------------------------------------

    def facts_with_rules(self, state: State) -> dict[FactId, Known]:
        return self.tracker.facts_with_rules(state)

    def ranking(self, state: State) -> list[Ranked]:
        facts = self.tracker.values_with_rules(state)
        excluded = frozenset(state.excluded)
        confidence = self.model.confidences(facts, excluded)
        share = self.model.distribution(facts, excluded)
        order = sorted(range(len(self.model.causes)), key=lambda i: (-confidence[i], i))
        return [
            Ranked(
                id=self.model.causes[i],
                title=self.kb.causes[self.model.causes[i]].title,
                confidence=float(confidence[i]),
                share=float(share[i]),
            )
            for i in order
        ]

    def leak_share(self, state: State) -> float:
        """The share of "something the knowledge base does not know"."""
        facts = self.tracker.values_with_rules(state)
        return float(self.model.distribution(facts, frozenset(state.excluded))[-1])

    def found(self, state: State) -> list[CauseId]:
        return [r.id for r in self.reportable(state, self.ranking(state))]

    def reportable(self, state: State, ranking: list[Ranked]) -> list[Ranked]:
        """The ranked causes confident enough to report, less those whose ``shown_by`` facts
        are all still unknown (their confidence rests on what a healthy setup shows too), and
        less the causes that mean nothing is wrong when a fault leads."""
        facts = self.tracker.values_with_rules(state)
        found = [
            r
            for r in ranking
            if r.confidence >= self.thresholds.found_at and self.shown(r.id, facts)
        ]
        if found and not self.explainer.means_nothing_wrong(found[0].id):
            # a fault leads: "nothing is wrong" below it would contradict the diagnosis
            found = [r for r in found if not self.explainer.means_nothing_wrong(r.id)]
        return found

    def shown(self, cause_id: CauseId, facts: Mapping[FactId, Value]) -> bool:
        """Whether ``facts`` know one of the cause's ``shown_by`` facts (or it names none)."""
        needed = self.kb.causes[cause_id].shown_by
        return not needed or any(facts.get(f, UNKNOWN) != UNKNOWN for f in needed)

    def card(self, state: State, cause_id: CauseId, confidence: float) -> CauseCard:
        return self.explainer.card(self.facts_with_rules(state), cause_id, confidence)

    def why(self, state: State) -> str:
        leading = [(r, self.card(state, r.id, r.confidence)) for r in self.ranking(state)[:5]]
        return self.explainer.why(state, leading, self.leak_share(state))


_ORDINAL = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def match_choice(text: str, question: Question) -> str | None:
    """The choice value ``text`` names: its number, its value or its label."""
    cleaned = text.strip().lower().rstrip(".!")
    number = _ORDINAL.match(cleaned)
    if number:
        index = int(number.group(1)) - 1
        return question.choices[index].value if 0 <= index < len(question.choices) else None
    for option in question.choices:
        if cleaned in (option.value.lower(), option.label.lower()):
            return option.value
    for option in question.choices:
        if cleaned and option.label.lower().startswith(cleaned) and len(cleaned) >= 3:
            return option.value
    return None
