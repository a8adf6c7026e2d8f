"""The dialogue engine: replays a session's events into a state and decides the next step.

Pure: no I/O, no clock, no randomness. The same events and knowledge base always give the same
state and replies, which is what makes undo, restore-after-restart and "why" cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.core.beliefs import LEAK, BeliefModel, entropy, normalise
from assistant.core.events import (
    USER_STEPS,
    Answered,
    Attached,
    Event,
    Finish,
    Outcome,
    Probed,
    Restart,
    Said,
    Told,
    Undo,
)
from assistant.core.reading import Reading, TextReader
from assistant.core.replies import (
    CauseCard,
    Diagnosis,
    Evidence,
    Option,
    ProbeRequest,
    Question,
    Reply,
    Text,
)
from assistant.core.rules import derive
from assistant.core.state import Known, Plans, State, Turn
from knowledge.loader import KnowledgeBase
from knowledge.schema import Question as KbQuestion
from knowledge.schema import Rule
from knowledge.types import UNKNOWN, CauseId, FactId, QuestionId, Value

OUTCOME_QUESTION = "_outcome"
#: how many readings of typed text the engine remembers
READING_CACHE = 4096
#: how many rule outcomes the engine remembers (``facts_with_rules``, and the planner's
#: simulations in ``Engine._derived_log_likelihood``)
DERIVED_CACHE = 65536
CLARIFY_QUESTION = "_clarify"
NONE_OF_THESE = "none"

GREETING = (
    "Hi, I'm unstuck. Tell me what you see: how the loss or the metric behaves, "
    "or paste the error you get."
)
REPHRASE = (
    "I could not pick out anything I can use from that. Say what you see in training, "
    "for example: 'the loss is stuck at 0.69', 'the loss goes to nan after 3 epochs', "
    "'validation accuracy is 99% but it fails in production', or paste the error message."
)
NO_EVIDENCE = (
    "I have nothing to go on yet, so I will not guess: a ranking now would only repeat how "
    "common each cause is. Tell me what you see in training, for example: 'the loss is stuck "
    "at 0.69', 'every prediction is the same', 'the gradients are all zero', or paste the "
    "error message or the code of your model and loss."
)


@dataclass(frozen=True)
class Settings:
    max_questions: int = 12
    """Stop asking after this many questions and report what the evidence says."""
    settle_at: float = 0.80
    """Stop when one cause holds this share of the single-fault distribution."""
    probe_until: float = 0.97
    """With a target connected, keep running informative probes until one cause holds this."""
    found_at: float = 0.5
    """Report every cause whose confidence reaches this."""
    min_gain: float = 0.03
    """Bits per unit of cost below which a question or probe is not worth asking."""


@dataclass(frozen=True)
class _Plan:
    """What one planning step knows, shared by the scores of every question and probe."""

    facts: dict[FactId, Value]
    p: np.ndarray
    gains: dict[FactId, float]
    simulated: dict[FactId, float]
    """Gains of the open facts that rules read, with the rules' conclusions counted."""
    entropy: float


@dataclass(frozen=True)
class Ranked:
    id: str
    title: str
    confidence: float
    share: float
    """This cause's share of the single-fault distribution."""


class Engine:
    def __init__(
        self,
        kb: KnowledgeBase,
        settings: Settings | None = None,
        reader: TextReader | None = None,
    ) -> None:
        self.kb = kb
        self.settings = settings or Settings()
        self.model = BeliefModel(kb)
        self.reader = reader or TextReader(kb)
        self._readings: dict[tuple[str, FactId | None, tuple[tuple[str, str], ...]], Reading] = {}
        #: for each fact in some rule's conditions, the rules its value can set off, in order
        self._rules_from: dict[FactId, list[Rule]] = {
            fact: _reachable(fact, kb.rules) for rule in kb.rules for fact in rule.when
        }
        #: for each such fact, the rules with a condition on it
        self._rules_on: dict[FactId, list[Rule]] = {
            fact: [rule for rule in kb.rules if fact in rule.when] for fact in self._rules_from
        }
        #: for each such fact, every fact those rules read or set: what their outcome depends on
        self._rule_facts: dict[FactId, tuple[FactId, ...]] = {
            fact: tuple(
                dict.fromkeys(f for rule in rules for f in (*rule.when, *rule.then) if f != fact)
            )
            for fact, rules in self._rules_from.items()
        }
        self._derived: dict[tuple[FactId, tuple[Value | None, ...]], np.ndarray] = {}
        #: what the rules add to a set of known facts (``facts_with_rules``)
        self._closures: dict[frozenset[tuple[FactId, Value]], dict[FactId, Known]] = {}
        #: for each fact, the questions that wait on it (``requires``)
        self._gated: dict[FactId, list[KbQuestion]] = {}
        for question in kb.questions.values():
            for fact in question.requires:
                self._gated.setdefault(fact, []).append(question)
        #: each question's choices, made once: replies are immutable, and a conversation keeps
        #: every question it was asked (a service keeps thousands of conversations in memory)
        self._choices: dict[QuestionId, list[Option]] = {
            question.id: [Option(value=c.value, label=c.label) for c in question.choices]
            for question in kb.questions.values()
        }

    # -- replay -------------------------------------------------------------------------

    def replay(self, events: Sequence[Event], plans: Plans | None = None) -> State:
        """The state after ``events``. ``plans`` from an earlier state of the same conversation
        spares re-planning the steps it has seen (undo and restart replay the log)."""
        state = State(plans={} if plans is None else plans)
        for event in effective(events):
            replies = self._apply(state, event)
            state.turns.append(Turn(event=event, replies=replies))
        return state

    def step(self, state: State, event: Event) -> list[Reply]:
        """Apply one more event to a replayed ``state`` (not undo or restart, which replay)."""
        if isinstance(event, Undo | Restart):
            raise ValueError("undo and restart change the past: replay the log instead")
        replies = self._apply(state, event)
        state.turns.append(Turn(event=event, replies=replies))
        return replies

    def replies_to_last(self, events: Sequence[Event]) -> list[Reply]:
        """What the assistant says in answer to the last event of ``events``."""
        return self.replay_last(events)[1]

    def replay_last(
        self, events: Sequence[Event], plans: Plans | None = None
    ) -> tuple[State, list[Reply]]:
        """The state after ``events`` and what the assistant says to the last of them."""
        state = self.replay(events, plans)
        if not events:
            return state, [Text(text=GREETING)]
        if isinstance(events[-1], Undo):
            return state, self._undo_replies(events, state)
        return state, state.turns[-1].replies if state.turns else [Text(text=GREETING)]

    def _undo_replies(self, events: Sequence[Event], state: State) -> list[Reply]:
        before = effective(events[:-1])
        after = effective(events)
        if len(after) == len(before) and _user_steps(before) == 0:
            return [Text(text="There is nothing to undo yet: you have not said anything.")]
        replies: list[Reply] = [Text(text="Done: I took back your last step.")]
        if state.pending is not None:
            replies.append(state.pending)
        elif not state.complaint_heard:
            replies.append(Text(text=GREETING))
        return replies

    # -- one event ----------------------------------------------------------------------

    def _apply(self, state: State, event: Event) -> list[Reply]:
        if isinstance(event, Said):
            return self._said(state, event.text)
        if isinstance(event, Answered):
            return self._answered(state, event.question, event.value)
        if isinstance(event, Told):
            state.complaint_heard = True
            self._learn(state, dict(event.facts), "your answers", "")
            if state.pending is not None and state.pending.fact in event.facts:
                state.asked.append(state.pending.id)
            return self._next(state)
        if isinstance(event, Probed):
            result = event.result
            state.probes_done[result.id] = result.status
            for fact, value in result.facts.items():
                if fact in self.kb.facts:
                    state.facts[fact] = Known(value, f"probe {result.id}", result.finding)
            return self._next(state)
        if isinstance(event, Attached):
            state.target = event.target
            state.target_keys = frozenset(event.keys)
            return self._next(state)
        if isinstance(event, Outcome):
            return self._outcome(state, event.cause, event.result)
        if isinstance(event, Finish):
            state.pending = None
            return self._diagnose(state, final=True)
        return []

    def _said(self, state: State, text: str) -> list[Reply]:
        pending = state.pending
        if pending is not None:
            choice = match_choice(text, pending)
            if choice is not None:
                return self._answered(state, pending.id, choice)
        reading = self._read(text, pending.fact if pending else None, state.fact_values())
        notes = [Text(text=note, tone="notice") for note in reading.notes]
        if reading.empty:
            if pending is not None:
                return [*notes, Text(text=not_a_choice(text, pending), tone="notice"), pending]
            return [*notes, Text(text=REPHRASE, tone="notice")]
        state.complaint_heard = True
        if reading.facts and state.fixed is None:
            state.finished = False
        replies: list[Reply] = list(notes)
        noted = self._learn(state, reading.facts, "you said", text, reading.evidence)
        if noted:
            replies.append(Text(text="Noted: " + "; ".join(noted) + "."))
        if pending is not None and pending.fact in reading.facts:
            state.asked.append(pending.id)
            state.pending = None
        unsure = [(f, v) for f, v in reading.unsure if f not in state.facts]
        if unsure and not reading.facts:
            question = self._clarify(unsure)
            state.clarifying = text
            state.pending = question
            return [*replies, question]
        return replies + self._next(state)

    def _read(self, text: str, expecting: FactId | None, known: dict[FactId, Value]) -> Reading:
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

    def _learn(
        self,
        state: State,
        facts: dict[FactId, Value],
        source: str,
        detail: str,
        evidence: Mapping[FactId, str] | None = None,
    ) -> list[str]:
        noted = []
        for fact, value in facts.items():
            if fact not in self.kb.facts:
                continue
            state.facts[fact] = Known(value, source, (evidence or {}).get(fact, detail))
            noted.append(self.describe(fact, value))
        return noted

    def _clarify(self, unsure: list[tuple[FactId, Value]]) -> Question:
        options = [
            Option(value=f"{fact}={value}", label=self.describe(fact, value))
            for fact, value in unsure[:4]
        ]
        options.append(Option(value=NONE_OF_THESE, label="none of these"))
        return Question(
            id=CLARIFY_QUESTION,
            fact="",
            text="I am not sure I read that right. Did you mean one of these?",
            choices=options,
        )

    def _answered(self, state: State, question_id: str, value: Value) -> list[Reply]:
        pending = state.pending
        if pending is None or pending.id != question_id:
            if question_id in state.asked:
                return [Text(text=f"The question '{question_id}' is already answered.")]
            return [Text(text=f"I did not ask the question '{question_id}'.", tone="error")]
        allowed = [o.value for o in pending.choices]
        if value not in allowed and value != UNKNOWN:
            return [Text(text=not_a_choice(value, pending), tone="notice"), pending]
        state.pending = None
        state.complaint_heard = True
        if question_id == OUTCOME_QUESTION:
            cause = state.diagnosed[0] if state.diagnosed else ""
            return self._outcome(state, cause, "fixed" if value == "fixed" else "still_stuck")
        state.asked.append(question_id)
        if question_id == CLARIFY_QUESTION:
            if value not in (NONE_OF_THESE, UNKNOWN):
                fact, _, fact_value = value.partition("=")
                noted = self._learn(state, {fact: fact_value}, "you said", state.clarifying)
                return [Text(text="Noted: " + "; ".join(noted) + "."), *self._next(state)]
            if not state.facts and state.target is None:
                return [Text(text=REPHRASE, tone="notice")]
            return [Text(text="Then let me ask instead.", tone="notice"), *self._next(state)]
        if value != UNKNOWN:
            state.facts[pending.fact] = Known(value, "your answer", pending.text)
        return self._next(state)

    def _outcome(self, state: State, cause: CauseId, result: str) -> list[Reply]:
        state.pending = None
        if result == "fixed":
            state.fixed = cause
            state.finished = True
            title = self.kb.causes[cause].title if cause in self.kb.causes else "the fix"
            return [
                Text(
                    text=f"Good to hear that {title.lower()} was it. If training stalls "
                    "again, tell me what you see and we start over."
                )
            ]
        if cause in self.kb.causes:
            state.excluded.add(cause)
        # The user changed their code: earlier measurements no longer describe it.
        for fact in [f for f, k in state.facts.items() if k.source.startswith("probe ")]:
            del state.facts[fact]
        state.probes_done.clear()
        state.finished = False
        title = self.kb.causes[cause].title if cause in self.kb.causes else "that"
        note = Text(text=f"Understood: {title} was not it. Let me look further.")
        return [note, *self._next(state)]

    # -- planning -----------------------------------------------------------------------

    def facts_with_rules(self, state: State) -> dict[FactId, Known]:
        facts = dict(state.facts)
        values = frozenset((fact, known.value) for fact, known in state.facts.items())
        derived = self._closures.get(values)
        if derived is None:
            derived = {
                fact: Known(value, f"rule {rule.id}", rule.because)
                for fact, (value, rule) in derive(dict(values), self.kb.rules).items()
            }
            if len(self._closures) >= DERIVED_CACHE:
                self._closures.clear()
            self._closures[values] = derived
        facts.update(derived)
        return facts

    def _next(self, state: State) -> list[Reply]:
        if state.finished:
            return []
        facts = {f: k.value for f, k in self.facts_with_rules(state).items()}
        excluded = frozenset(state.excluded)
        # Sorted tuples of strings, not frozensets: the collector stops tracking such a tuple,
        # while every set stays tracked, and a conversation keeps each key it planned for.
        key = (
            tuple(sorted(facts.items())),
            tuple(sorted(excluded)),
            tuple(state.asked),
            state.target is not None,
            tuple(sorted(state.target_keys)),
            tuple(sorted(state.probes_done)),
        )
        step = state.plans.get(key)
        if step is None:
            step = state.plans[key] = self._plan_step(state, facts, excluded)
        if isinstance(step, ProbeRequest):
            state.pending = None
            return [step]
        if isinstance(step, Question):
            state.pending = step
            return [step]
        return self._diagnose(state, final=False)

    def _plan_step(
        self, state: State, facts: dict[FactId, Value], excluded: frozenset[CauseId]
    ) -> ProbeRequest | Question | bool:
        """The next probe or question, or False when it is time to diagnose."""
        base = self.model.log_weights(facts, excluded)
        p = normalise(base)
        top = int(np.argmax(p[:-1]))
        # Measurements cost the user nothing, so they go on until the case is all but certain.
        wants_probe = state.target is not None and p[top] < self.settings.probe_until
        wants_question = (
            p[top] < self.settings.settle_at and state.questions_asked < self.settings.max_questions
        )
        if not (wants_probe or wants_question):
            return False
        plan = self._plan(facts, p, base)
        probe = self._best_probe(state, facts, plan) if wants_probe else None
        if probe is not None:
            return probe
        question = self._best_question(state, facts, plan) if wants_question else None
        return question if question is not None else False

    def candidate_questions(self, state: State, facts: dict[FactId, Value]) -> list[KbQuestion]:
        return [
            q
            for q in self.kb.questions.values()
            if q.id not in state.asked
            and q.fact not in facts
            and all(facts.get(f) in values for f, values in q.requires.items())
        ]

    def _best_question(
        self, state: State, facts: dict[FactId, Value], plan: _Plan
    ) -> Question | None:
        best: tuple[float, KbQuestion] | None = None
        for question in self.candidate_questions(state, facts):
            gain = self.gain(question.fact, plan)
            score = gain / question.cost
            if score >= self.settings.min_gain and (best is None or score > best[0]):
                best = (score, question)
        if best is None:
            return None
        question = best[1]
        return Question(
            id=question.id,
            fact=question.fact,
            text=question.text,
            choices=self._choices[question.id],
            hint=question.hint,
            why=self._why_question(question.fact, plan.p),
        )

    def _best_probe(
        self, state: State, facts: dict[FactId, Value], plan: _Plan
    ) -> ProbeRequest | None:
        best: tuple[float, str] | None = None
        for probe in self.kb.probes.values():
            if probe.id in state.probes_done:
                continue
            if not set(probe.needs) <= state.target_keys:
                continue
            gain = sum(self.gain(f, plan) for f in probe.yields if f not in facts)
            # Cheapest informative first: a probe's cost is its typical runtime in seconds.
            score = gain / probe.cost
            if gain >= self.settings.min_gain and (best is None or score > best[0]):
                best = (score, probe.id)
        if best is None:
            return None
        probe = self.kb.probes[best[1]]
        return ProbeRequest(
            probes=[probe.id],
            titles=[probe.title],
            why=f"It measures {', '.join(self.kb.facts[f].title for f in probe.yields)}.",
        )

    def _plan(self, facts: dict[FactId, Value], p: np.ndarray, base: np.ndarray) -> _Plan:
        """``base`` is the unnormalised log of ``p``."""
        h = entropy(p)
        return _Plan(
            facts=facts,
            p=p,
            gains=self.model.information_gains(p),
            simulated=self._simulated_gains(facts, p, base, h),
            entropy=h,
        )

    def gain(self, fact: FactId, plan: _Plan) -> float:
        """Expected bits from learning ``fact``, counting what it leads to.

        ``plan.gains`` holds every fact's direct information gain and ``plan.facts`` already has
        the rules applied. A fact with no likelihoods of its own (the task, say) matters through
        rules and through the questions that wait on it: its answer is simulated through the
        rules, it gets credit for enabling a rule whose other conditions are still open
        (backward chaining), and for the questions its answer would open up.
        """
        best = plan.gains[fact]
        if fact in plan.simulated:
            best = max(best, plan.simulated[fact])
            best = max(best, self._rule_credit(fact, plan.facts, plan.gains))
        if fact in self._gated:
            best = max(best, self._unlock_credit(fact, plan.facts, plan.p, plan.gains))
        return best

    def _simulated_gains(
        self, facts: dict[FactId, Value], p: np.ndarray, base: np.ndarray, h: float
    ) -> dict[FactId, float]:
        """For every open fact that some rule reads: the expected bits from learning it, with
        each possible answer carried through the rules. All answers of all such facts are
        scored in one pass, one row per answer."""
        open_facts = [f for f in self._rules_from if f not in facts]
        if not open_facts:
            return {}
        # log-posterior after each answer, plus what the rules would derive from it
        log_p = base[None, :] + np.concatenate(
            [
                self.model.log_likelihood_t(f) + self._derived_log_likelihood(f, facts)
                for f in open_facts
            ]
        )
        posterior = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        posterior /= posterior.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(posterior > 0, posterior * np.log2(posterior), 0.0).sum(axis=1)
        gains: dict[FactId, float] = {}
        start = 0
        for fact in open_facts:
            likelihood = self.model.tables[fact].likelihood
            end = start + likelihood.shape[1]
            gains[fact] = h - float(-(p @ likelihood) @ plogp[start:end])
            start = end
        return gains

    def _derived_log_likelihood(self, fact: FactId, facts: dict[FactId, Value]) -> np.ndarray:
        """For each value of ``fact``: the log-likelihood of what the rules would derive from it.

        What the rules derive depends only on the values of the facts their conditions and
        conclusions name, so the answer is remembered by those values: the planner asks the same
        thing thousands of times per second across sessions.
        """
        involved = self._rule_facts[fact]
        key = (fact, tuple(facts.get(f) for f in involved))
        cached = self._derived.get(key)
        if cached is not None:
            return cached
        table = self.model.tables[fact]
        rules = self._rules_from[fact]
        shift = np.zeros((len(table.values), len(self.model.hypotheses)))
        for row, value in enumerate(table.values):
            for derived, (derived_value, _) in derive({**facts, fact: value}, rules).items():
                column = self.model.log_column(derived, derived_value)
                if column is not None:
                    shift[row] += column
        shift.setflags(write=False)
        if len(self._derived) >= DERIVED_CACHE:
            self._derived.clear()
        self._derived[key] = shift
        return shift

    def _unlock_credit(
        self, fact: FactId, facts: dict[FactId, Value], p: np.ndarray, gains: dict[FactId, float]
    ) -> float:
        """What the questions waiting on ``fact`` are worth, times the chance they open up."""
        table = self.model.tables[fact]
        predictive = p @ table.likelihood
        credit = 0.0
        for question in self._gated[fact]:
            if question.fact in facts:
                continue
            others_hold = all(
                facts.get(f) in values for f, values in question.requires.items() if f != fact
            )
            if not others_hold:
                continue
            opens = sum(float(predictive[table.index[v]]) for v in question.requires[fact])
            credit = max(credit, opens * gains[question.fact] / question.cost)
        return credit

    def _rule_credit(
        self, fact: FactId, facts: dict[FactId, Value], gains: dict[FactId, float]
    ) -> float:
        credit = 0.0
        for rule in self._rules_on[fact]:
            if any(f in facts for f in rule.then):
                continue
            open_conditions = 0
            blocked = False
            for condition, values in rule.when.items():
                if condition not in facts:
                    open_conditions += 1
                elif facts[condition] not in values:
                    blocked = True
            if not blocked:
                best = max(gains[conclusion] for conclusion in rule.then)
                credit = max(credit, best / open_conditions)
        return credit

    def _why_question(self, fact: FactId, p: np.ndarray) -> str:
        order = np.argsort(-p)
        leaders = [self.model.hypotheses[i] for i in order[:3] if self.model.hypotheses[i] != LEAK]
        names = ", ".join(self._title(c) for c in leaders)
        return f"The answer tells apart the leading candidates: {names}."

    # -- results ------------------------------------------------------------------------

    def ranking(self, state: State) -> list[Ranked]:
        facts = {f: k.value for f, k in self.facts_with_rules(state).items()}
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
        facts = {f: k.value for f, k in self.facts_with_rules(state).items()}
        return float(self.model.distribution(facts, frozenset(state.excluded))[-1])

    def found(self, state: State) -> list[CauseId]:
        return [r.id for r in self.ranking(state) if r.confidence >= self.settings.found_at]

    def card(self, state: State, cause_id: CauseId, confidence: float) -> CauseCard:
        cause = self.kb.causes[cause_id]
        index = self.model.causes.index(cause_id)
        evidence_for: list[Evidence] = []
        evidence_against: list[Evidence] = []
        for fact, known in self.facts_with_rules(state).items():
            ratios = self.model.likelihood_ratios(fact, known.value)
            if ratios is None:
                continue
            weight = float(ratios[index])
            item = Evidence(
                fact=fact,
                value=known.value,
                text=f"{self.describe(fact, known.value)} ({known.source})",
                weight=round(weight, 3),
            )
            if weight >= 1.5:
                evidence_for.append(item)
            elif weight <= 1 / 1.5:
                evidence_against.append(item)
        evidence_for.sort(key=lambda e: -e.weight)
        evidence_against.sort(key=lambda e: e.weight)
        return CauseCard(
            id=cause.id,
            title=cause.title,
            family=cause.family,
            confidence=round(confidence, 3),
            evidence_for=evidence_for,
            evidence_against=evidence_against,
            explanation=cause.explanation,
            fix_steps=cause.fix.steps,
            snippet=cause.fix.snippet,
            references=cause.references,
        )

    def _diagnose(self, state: State, final: bool) -> list[Reply]:
        ranking = self.ranking(state)
        found = [r for r in ranking if r.confidence >= self.settings.found_at]
        settled = bool(found)
        shown = found or ranking[:3]
        cards = [self.card(state, r.id, r.confidence) for r in shown]
        state.diagnosed = [r.id for r in found]
        if found:
            names = ", ".join(r.title for r in found)
            text = f"I believe the cause is: {names}."
            if found[0].id == "eval.actually_fine":
                text = "From what I see, your model is learning; the problem may not be real."
        elif not state.facts:
            text, cards = NO_EVIDENCE, []
        else:
            text = (
                "I cannot pin it down from what I know. These are the most likely causes; "
                "the evidence for each is below."
            )
        replies: list[Reply] = [
            Diagnosis(found=[r.id for r in found], cards=cards, settled=settled, text=text)
        ]
        if found and found[0].id != "eval.actually_fine":
            question = Question(
                id=OUTCOME_QUESTION,
                fact="",
                text=f"Try the fix for {found[0].title.lower()} and tell me how it went.",
                choices=[
                    Option(value="fixed", label="fixed: it learns now"),
                    Option(value="still_stuck", label="still stuck"),
                ],
            )
            state.pending = question
            replies.append(question)
        else:
            state.finished = True
        return replies

    # -- explanations -------------------------------------------------------------------

    def why(self, state: State) -> str:
        ranking = self.ranking(state)
        lines = ["Where I stand:"]
        for ranked in ranking[:5]:
            lines.append(f"- {ranked.title} ({ranked.id}): {ranked.confidence:.0%}")
            card = self.card(state, ranked.id, ranked.confidence)
            for item in card.evidence_for[:3]:
                lines.append(f"    for: {item.text}")
            for item in card.evidence_against[:2]:
                lines.append(f"    against: {item.text}")
        lines.append(f"- something I do not know about: {self.leak_share(state):.0%}")
        if state.pending is not None and state.pending.why:
            lines.append(f"I asked '{state.pending.text}' because: {state.pending.why}")
        if not state.facts:
            lines.append("I know nothing about your problem yet, so these are only base rates.")
        return "\n".join(lines)

    def describe(self, fact: FactId, value: Value) -> str:
        known = self.kb.facts.get(fact)
        if known is None:
            return f"{fact} = {value}"
        label = known.labels.get(value)
        return label if label else f"{known.title}: {value}"

    def _title(self, cause: CauseId) -> str:
        return self.kb.causes[cause].title if cause in self.kb.causes else cause


def _reachable(fact: FactId, rules: list[Rule]) -> list[Rule]:
    """The rules a new value of ``fact`` can fire, directly or through their conclusions."""
    reached: list[Rule] = []
    frontier = {fact}
    while frontier:
        found = [r for r in rules if r not in reached and frontier & set(r.when)]
        reached += found
        frontier = {f for r in found for f in r.then}
    return [r for r in rules if r in reached]


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


def _user_steps(events: Sequence[Event]) -> int:
    return sum(isinstance(e, USER_STEPS) for e in events)


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


def not_a_choice(given: str, question: Question) -> str:
    listed = ", ".join(f"{i}. {o.label}" for i, o in enumerate(question.choices, 1))
    shown = given.strip() or "(nothing)"
    return (
        f"'{shown}' is not one of the answers to \"{question.text}\". "
        f"Pick one of: {listed}; or say 'skip' if you don't know."
    )
