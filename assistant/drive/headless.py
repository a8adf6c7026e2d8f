"""Run a whole diagnosis without a person: the complaint, answers from a mapping, probes.

Used by ``unstuck diagnose``, the benchmarks and the notebook API. Every question the answers
do not cover is treated as "don't know".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.core.engine import Engine
from assistant.core.errors import UsageError
from assistant.core.replies import CauseCard, Diagnosis, ProbeRequest, Question, Reply
from assistant.core.session import Session
from assistant.drive.loop import Drive, ProbeFinished, QuestionAnswered, RunProbe
from assistant.drive.script_reading import ScriptReading, tell_script
from assistant.drive.script_watch import WatchedLoop
from knowledge.loader import KnowledgeBase
from knowledge.types import UNKNOWN
from probes.result import ProbeResult


class Step(BaseModel):
    kind: Literal["probe", "question", "inference"]
    id: str
    result: Any = None
    text: str = ""


class ProbeSummary(BaseModel):
    id: str
    status: str
    facts: dict[str, str]
    values: dict[str, Any] = Field(default_factory=dict)
    finding: str
    seconds: float


class CauseSummary(BaseModel):
    id: str
    title: str
    confidence: float
    evidence: list[str]
    against: list[str]
    fix: str


class DiagnosisReport(BaseModel):
    """The result of ``unstuck diagnose --json``: contract 2 in docs/architecture.md."""

    found: list[str]
    causes: list[CauseSummary]
    steps: list[Step]
    probes: list[ProbeSummary]
    questions_asked: int = 0
    facts_known: int = 0
    """How many facts the diagnosis rests on; with none, the ranking is only the priors."""
    notes: list[str] = Field(default_factory=list)
    """What the user should know about how the diagnosis was made (a script read, not run)."""


def check_answers(kb: KnowledgeBase, answers: Mapping[str, str]) -> dict[str, str]:
    """Answers keyed by fact id, checked against the knowledge base.

    Keys may be fact ids or question ids; values must be one of the fact's values or
    ``unknown``. Raises ``UsageError`` naming every bad entry and what is allowed.
    """
    by_fact: dict[str, str] = {}
    problems: list[str] = []
    for key, value in answers.items():
        fact = kb.questions[key].fact if key in kb.questions else key
        if fact not in kb.facts:
            problems.append(f"'{key}' is neither a fact nor a question id")
            continue
        allowed = kb.facts[fact].values
        if not isinstance(value, str) or (value not in allowed and value != UNKNOWN):
            problems.append(
                f"'{key}': {value!r} is not a value of fact '{fact}' "
                f"(one of: {', '.join(allowed)}, unknown)"
            )
            continue
        by_fact[fact] = value
    if problems:
        valid = ", ".join(sorted(kb.facts))
        raise UsageError(
            "the answers name unknown ids or values:\n  "
            + "\n  ".join(problems)
            + f"\nValid fact ids: {valid}\n"
            "Question ids are listed by 'unstuck kb questions'."
        )
    return by_fact


def run(
    engine: Engine,
    *,
    say: str | None = None,
    answers: Mapping[str, str] | None = None,
    target: str | None = None,
    target_keys: list[str] | None = None,
    probe_runner: RunProbe | None = None,
    script: ScriptReading | None = None,
    watched: WatchedLoop | None = None,
) -> tuple[Session, DiagnosisReport]:
    """Hold the dialogue to its end and summarise it.

    ``script`` is a plain training script read statically (never run): its facts join the
    evidence with the line each came from. ``watched`` is a script that ran under the
    watcher: its watch result is reported first and its error, if any, read for what it
    says; the probes then run on what it built.
    """
    by_fact = check_answers(engine.kb, answers or {})
    session = Session(engine)
    steps: list[Step] = []
    probes: list[ProbeResult] = []
    replies: list[Reply] = []
    if target is not None and probe_runner is not None:
        replies = session.attach(target, target_keys or [])
    if watched is not None:
        replies = _report_watch(session, watched, steps, probes) or replies
    if script is not None:
        replies = tell_script(session, script)
        for fact, value in script.reading.facts.items():
            evidence = script.reading.evidence.get(fact, script.path)
            steps.append(Step(kind="inference", id=fact, result=value, text=evidence))
    if say:
        replies = session.send(say)
        for fact, known in session.state.facts.items():
            steps.append(Step(kind="inference", id=fact, result=known.value, text=say))
    if not any(isinstance(r, Question | ProbeRequest | Diagnosis) for r in replies):
        # Nothing to act on (no words, or words it could not read): plan from what is known.
        replies = session.tell({})

    def answer(question: Question) -> str:
        return by_fact.get(question.fact, UNKNOWN) if question.fact else UNKNOWN

    drive = Drive(session, run_probe=probe_runner, answer=answer)
    for step in drive.follow(replies):
        if isinstance(step, ProbeFinished):
            result = step.result
            probes.append(result)
            steps.append(
                Step(kind="probe", id=step.probe_id, result=result.status, text=result.finding)
            )
        elif isinstance(step, QuestionAnswered):
            question = step.question
            steps.append(
                Step(kind="question", id=question.id, result=step.value, text=question.text)
            )
    if not any(isinstance(r, Diagnosis) for r in drive.replies):
        session.finish()
    report = summarise(engine, session, probes, steps)
    if script is not None:
        report.notes = list(script.reading.notes)
    if watched is not None:
        report.notes = watched.notes()
    return session, report


def _report_watch(
    session: Session, watched: WatchedLoop, steps: list[Step], probes: list[ProbeResult]
) -> list[Reply]:
    """The watch result, then the facts its error establishes, with the error as evidence."""
    result = watched.result
    probes.append(result)
    steps.append(Step(kind="probe", id=result.id, result=result.status, text=result.finding))
    replies = session.report(result)
    reading = watched.errors
    if reading.facts:
        source = watched.error_source
        replies = session.tell(dict(reading.facts), source=source, evidence=dict(reading.evidence))
        for fact, value in reading.facts.items():
            steps.append(
                Step(
                    kind="inference", id=fact, result=value, text=reading.evidence.get(fact, source)
                )
            )
    return replies


def summarise(
    engine: Engine, session: Session, probes: list[ProbeResult], steps: list[Step]
) -> DiagnosisReport:
    state = session.state
    for fact, known in engine.facts_with_rules(state).items():
        if known.source.startswith("rule "):
            steps.append(Step(kind="inference", id=fact, result=known.value, text=known.detail))
    ranking = engine.ranking(state)
    found = [r.id for r in engine.reportable(state, ranking)]
    causes = [_cause(engine.card(state, r.id, r.confidence)) for r in ranking]
    return DiagnosisReport(
        found=found,
        causes=causes,
        steps=steps,
        probes=[
            ProbeSummary(
                id=p.id,
                status=p.status,
                facts=p.facts,
                values=dict(p.values),
                finding=p.finding,
                seconds=round(p.seconds, 3),
            )
            for p in probes
        ],
        questions_asked=state.questions_asked,
        facts_known=len(engine.facts_with_rules(state)),
    )


def _cause(card: CauseCard) -> CauseSummary:
    fix = " ".join(card.fix_steps)
    return CauseSummary(
        id=card.id,
        title=card.title,
        confidence=card.confidence,
        evidence=[e.text for e in card.evidence_for],
        against=[e.text for e in card.evidence_against],
        fix=fix,
    )
