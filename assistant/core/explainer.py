"""What the assistant says: every sentence the engine's replies carry, and the cause cards.

Decides nothing: it words what the tracker recorded and what the planner chose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.core.beliefs import BeliefModel
from assistant.core.replies import (
    CLARIFY_QUESTION,
    NONE_OF_THESE,
    OUTCOME_QUESTION,
    CauseCard,
    Evidence,
    Option,
    ProbeRequest,
    Question,
    Ranked,
    Text,
)
from assistant.core.state import Known, State
from knowledge.loader import KnowledgeBase
from knowledge.schema import Probe
from knowledge.schema import Question as KbQuestion
from knowledge.types import CauseId, FactId, QuestionId, Value

GREETING = (
    "Hi, I'm unstuck. Tell me what you see: how the loss or the metric behaves, "
    "or paste the error you get."
)
REPHRASE = (
    "I could not pick out anything I can use from that. Say what you see in training, "
    "for example: 'the loss is stuck at 0.69', 'the loss goes to nan after 3 epochs', "
    "'validation accuracy is 99% but it fails in production', or paste the error message."
)
NOTHING_TO_UNDO = "There is nothing to undo yet: you have not said anything."
UNDONE = "Done: I took back your last step."
ASK_INSTEAD = "Then let me ask instead."
UNCLEAR = (
    "I cannot pin it down from what I know. These are the most likely causes; "
    "the evidence for each is below."
)
NO_EVIDENCE = (
    "I have nothing to go on yet, so I will not guess: a ranking now would only repeat how "
    "common each cause is. Tell me what you see in training, for example: 'the loss is stuck "
    "at 0.69', 'every prediction is the same', 'the gradients are all zero', or paste the "
    "error message or the code of your model and loss."
)
NOTHING_WRONG = "From what I see, your model is learning; the problem may not be real."


class Explainer:
    def __init__(self, kb: KnowledgeBase, model: BeliefModel, evidence_ratio: float) -> None:
        self.kb = kb
        self.model = model
        self.evidence_ratio = evidence_ratio
        #: each question's choices, made once: replies are immutable, and a conversation keeps
        #: every question it was asked (a service keeps thousands of conversations in memory)
        self._choices: dict[QuestionId, list[Option]] = {
            question.id: [Option(value=c.value, label=c.label) for c in question.choices]
            for question in kb.questions.values()
        }

    # -- facts --------------------------------------------------------------------------

    def describe(self, fact: FactId, value: Value) -> str:
        known = self.kb.facts.get(fact)
        if known is None:
            return f"{fact} = {value}"
        label = known.labels.get(value)
        return label if label else f"{known.title}: {value}"

    def noted(self, learnt: Sequence[tuple[FactId, Value]]) -> Text:
        return Text(text="Noted: " + "; ".join(self.describe(f, v) for f, v in learnt) + ".")

    def read_from(
        self,
        source: str,
        learnt: Sequence[tuple[FactId, Value]],
        evidence: Mapping[FactId, str],
    ) -> Text | None:
        """The findings of a script read statically, one a line with the line it came from;
        None for facts without evidence (answers stated outright need no echo)."""
        lines = [
            f"- {self.describe(fact, value)} ({evidence[fact]})"
            for fact, value in learnt
            if fact in evidence
        ]
        if not lines:
            return None
        return Text(text=f"Found, {source or 'read'}:\n" + "\n".join(lines))

    # -- asking -------------------------------------------------------------------------

    def question(self, question: KbQuestion, leaders: Sequence[CauseId]) -> Question:
        names = ", ".join(self._title(c) for c in leaders)
        return Question(
            id=question.id,
            fact=question.fact,
            text=question.text,
            choices=self._choices[question.id],
            hint=question.hint,
            why=f"The answer tells apart the leading candidates: {names}.",
        )

    def probe_request(self, probe: Probe) -> ProbeRequest:
        return ProbeRequest(
            probes=[probe.id],
            titles=[probe.title],
            why=f"It measures {', '.join(self.kb.facts[f].title for f in probe.yields)}.",
        )

    def clarify(self, unsure: Sequence[tuple[FactId, Value]]) -> Question:
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

    def fix_question(self, cause: Ranked) -> Question:
        return Question(
            id=OUTCOME_QUESTION,
            fact="",
            text=f"Try the fix for {cause.title.lower()} and tell me how it went.",
            choices=[
                Option(value="fixed", label="fixed: it learns now"),
                Option(value="still_stuck", label="still stuck"),
            ],
        )

    # -- answers to the user's steps ----------------------------------------------------

    def already_answered(self, question: str) -> Text:
        return Text(text=f"The question '{question}' is already answered.")

    def not_asked(self, question: str) -> Text:
        return Text(text=f"I did not ask the question '{question}'.", tone="error")

    def fix_worked(self, cause: CauseId) -> Text:
        title = self.kb.causes[cause].title if cause in self.kb.causes else "the fix"
        return Text(
            text=f"Good to hear that {title.lower()} was it. If training stalls "
            "again, tell me what you see and we start over."
        )

    def fix_failed(self, cause: CauseId) -> Text:
        title = self.kb.causes[cause].title if cause in self.kb.causes else "that"
        return Text(text=f"Understood: {title} was not it. Let me look further.")

    # -- the diagnosis ------------------------------------------------------------------

    def verdict(self, found: Sequence[Ranked], knows_something: bool = True) -> str:
        """The diagnosis in one sentence."""
        if not found:
            return UNCLEAR if knows_something else NO_EVIDENCE
        if self.means_nothing_wrong(found[0].id):
            return NOTHING_WRONG
        return f"I believe the cause is: {', '.join(r.title for r in found)}."

    def means_nothing_wrong(self, cause: CauseId) -> bool:
        return self.kb.causes[cause].means_nothing_wrong

    def card(self, facts: dict[FactId, Known], cause_id: CauseId, confidence: float) -> CauseCard:
        """The cause with the evidence for and against it among ``facts``, strongest first."""
        cause = self.kb.causes[cause_id]
        index = self.model.causes.index(cause_id)
        evidence_for: list[Evidence] = []
        evidence_against: list[Evidence] = []
        for fact, known in facts.items():
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
            if weight >= self.evidence_ratio:
                evidence_for.append(item)
            elif weight <= 1 / self.evidence_ratio:
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

    def why(
        self, state: State, ranking: Sequence[tuple[Ranked, CauseCard]], leak_share: float
    ) -> str:
        """Where the beliefs stand, with the evidence, and why the pending question is asked."""
        lines = ["Where I stand:"]
        for ranked, card in ranking:
            lines.append(f"- {ranked.title} ({ranked.id}): {ranked.confidence:.0%}")
            for item in card.evidence_for[:3]:
                lines.append(f"    for: {item.text}")
            for item in card.evidence_against[:2]:
                lines.append(f"    against: {item.text}")
        lines.append(f"- something I do not know about: {leak_share:.0%}")
        if state.pending is not None and state.pending.why:
            lines.append(f"I asked '{state.pending.text}' because: {state.pending.why}")
        if not state.facts:
            lines.append("I know nothing about your problem yet, so these are only base rates.")
        return "\n".join(lines)

    def _title(self, cause: CauseId) -> str:
        return self.kb.causes[cause].title if cause in self.kb.causes else cause


def not_a_choice(given: str, question: Question) -> str:
    listed = ", ".join(f"{i}. {o.label}" for i, o in enumerate(question.choices, 1))
    shown = given.strip() or "(nothing)"
    return (
        f"'{shown}' is not one of the answers to \"{question.text}\". "
        f"Pick one of: {listed}; or say 'skip' if you don't know."
    )
