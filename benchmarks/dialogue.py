"""Dialogue-quality benchmark: symptom stories through the engine and through a fixed checklist.

Each story in ``benchmarks/stories.yaml`` is a first complaint, the answers its user would give,
and the true cause. The engine plans its questions by expected information gain; the checklist
baseline asks the seed articles' questions in their order. Both get the same question budget and
rank causes with the same belief model, so the difference is what planning buys.

    .venv/bin/python benchmarks/dialogue.py [--verbose] [--turns N]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.core.engine import Engine
from assistant.core.events import Answered, Event, Said, Told
from assistant.core.rules import derive
from assistant.drive.headless import check_answers, run
from knowledge.loader import KnowledgeBase, bundled
from knowledge.types import UNKNOWN, CauseId, FactId, Value

STORIES = Path(__file__).resolve().parent / "stories.yaml"
MAX_QUESTIONS = 8
HEALTHY: CauseId = "eval.actually_fine"

#: The fixed-order checklist: the seed articles' questions in the order they raise them.
#: KNIME's due-diligence list (000_*) first, then 003_*'s data -> architecture -> training
#: walk-through, 002_*'s one-batch overfit test, and 001_*'s framing and imbalance points.
CHECKLIST: list[str] = [
    # 000_8f9042cefbda7e29.txt: purpose, data quality and size, classes, leakage, noisy or
    # empty attributes, missing values, outliers, normalisation, hyperparameters, metric,
    # training long enough, overfitting, too good to be true.
    "ask_problem_clarity",
    "ask_dataset_size",
    "ask_class_balance",
    "ask_split_method",
    "ask_constant_columns",
    "ask_missing_values",
    "ask_outliers",
    "ask_inputs_normalised",
    "ask_learning_rate",
    "ask_metric_follows_loss",
    "ask_epochs",
    "ask_train_valid_gap",
    "ask_too_good",
    # 003_4f6f6c141195d145.txt: data volume and noise, preprocessing, under/overfitting,
    # activations, output activation and loss for the task, optimizer, learning rate.
    "ask_label_noise",
    "ask_feature_scales",
    "ask_model_capacity",
    "ask_regularisation",
    "ask_hidden_activation",
    "ask_depth",
    "ask_output_activation",
    "ask_task",
    "ask_loss_function",
    "ask_optimizer",
    # 002_c17d1446106da07c.txt: the one-example overfit test.
    "ask_overfit_one_batch",
    "ask_shuffling",
    # 001_6ebc735b15251ba1.txt: accuracy not good enough.
    "ask_accuracy_level",
    "ask_loss_trend",
]


class Story(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    say: str
    """The first complaint, in the user's words."""
    answers: dict[str, str] = Field(default_factory=dict)
    """Fact or question id -> the value the user gives when asked."""
    cause: CauseId
    """The true cause."""


class StoryFile(BaseModel):
    stories: list[Story]


@dataclass(frozen=True)
class StoryResult:
    story: str
    cause: CauseId
    rank: int
    """1-based position of the true cause in the final ranking."""
    questions: int
    top: CauseId
    found: tuple[CauseId, ...]
    """Causes reported as present (confidence at or above the engine's threshold)."""


@dataclass(frozen=True)
class Summary:
    top1: float
    top3: float
    mean_questions: float
    max_questions: int


def load_stories(path: Path = STORIES) -> list[Story]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return StoryFile.model_validate(raw).stories


def make_engine(kb: KnowledgeBase | None = None) -> Engine:
    kb = kb or bundled()
    return Engine(kb, kb.thresholds.model_copy(update={"max_questions": MAX_QUESTIONS}))


def opening(engine: Engine, story: Story, read: bool = True) -> str | None:
    """The complaint when the text reader takes facts from it; None runs the story on answers.

    A complaint the reader only half understands would get a clarifying question, and skipping
    that (as a headless run does) ends the dialogue before any planned question is asked.
    """
    if not read or not engine.reader.read(story.say).facts:
        return None
    return story.say


def misreadings(engine: Engine, story: Story) -> dict[FactId, tuple[Value, Value]]:
    """Facts the text reader takes from the complaint that contradict the story's answers."""
    answers = check_answers(engine.kb, story.answers)
    read = engine.reader.read(story.say).facts
    return {
        fact: (value, answers[fact])
        for fact, value in read.items()
        if answers.get(fact, UNKNOWN) not in (UNKNOWN, value)
    }


def run_story(engine: Engine, story: Story, read: bool = True) -> StoryResult:
    """The planned dialogue: the engine picks every question.

    With ``read`` False the complaint is left out and the story runs on its answers alone,
    which measures the knowledge base and the planner without the text reader.
    """
    _, outcome = run(engine, say=opening(engine, story, read), answers=story.answers)
    ranked = [cause.id for cause in outcome.causes]
    return _result(story, ranked, outcome.questions_asked, tuple(outcome.found))


def run_checklist(engine: Engine, story: Story, read: bool = True) -> StoryResult:
    """The baseline: the checklist's questions in order, within the same budget and beliefs."""
    answers = check_answers(engine.kb, story.answers)
    said = opening(engine, story, read)
    facts = dict(engine.reader.read(said).facts) if said else {}
    asked = 0
    for question_id in CHECKLIST:
        if asked >= MAX_QUESTIONS:
            break
        question = engine.kb.questions[question_id]
        known = {**facts, **_derived(engine, facts)}
        if question.fact in known:
            continue
        if not all(known.get(f) in values for f, values in question.requires.items()):
            continue
        asked += 1
        value = answers.get(question.fact, UNKNOWN)
        if value != UNKNOWN:
            facts[question.fact] = value
    known = {**facts, **_derived(engine, facts)}
    confidence = engine.model.confidences(known)
    order = sorted(range(len(engine.model.causes)), key=lambda i: (-confidence[i], i))
    ranked = [engine.model.causes[i] for i in order]
    found = tuple(
        cause
        for cause in ranked
        if confidence[engine.model.causes.index(cause)] >= engine.thresholds.found_at
        and engine.shown(cause, known)
    )
    return _result(story, ranked, asked, found)


def _derived(engine: Engine, facts: dict[FactId, Value]) -> dict[FactId, Value]:
    return {fact: value for fact, (value, _) in derive(facts, engine.kb.rules).items()}


def _result(
    story: Story, ranked: list[CauseId], questions: int, found: tuple[CauseId, ...]
) -> StoryResult:
    rank = ranked.index(story.cause) + 1 if story.cause in ranked else len(ranked) + 1
    return StoryResult(
        story=story.id,
        cause=story.cause,
        rank=rank,
        questions=questions,
        top=ranked[0] if ranked else "",
        found=found,
    )


def summarise(results: Sequence[StoryResult]) -> Summary:
    count = max(len(results), 1)
    return Summary(
        top1=sum(r.rank == 1 for r in results) / count,
        top3=sum(r.rank <= 3 for r in results) / count,
        mean_questions=sum(r.questions for r in results) / count,
        max_questions=max((r.questions for r in results), default=0),
    )


def dialogue_logs(engine: Engine, stories: Sequence[Story]) -> list[list[Event]]:
    """The event log of every planned dialogue, to replay turn by turn."""
    logs = []
    for story in stories:
        session, _ = run(engine, say=opening(engine, story), answers=story.answers)
        logs.append(list(session.events))
    return logs


def turn_latency(
    engine: Engine,
    stories: Sequence[Story],
    turns: int = 3000,
    kinds: tuple[type, ...] = (Told, Answered),
) -> tuple[float, float]:
    """p50 and p99 milliseconds of one engine turn: update beliefs, plan the next step.

    With ``kinds=(Said,)`` the turns are typed messages, so reading the text is included.
    A turn is what a front end pays per message: the session keeps its replayed state and
    ``Engine.step`` applies the new event to it. Turns cycle through every prefix of every
    story's dialogue; the state before each is prepared outside the timed window.
    """
    prefixes = [log[: i + 1] for log in dialogue_logs(engine, stories) for i in range(len(log))]
    prefixes = [p for p in prefixes if isinstance(p[-1], kinds)]
    states = [engine.replay(p[:-1]) for p in prefixes]
    timings = []
    for i in range(turns):
        events = prefixes[i % len(prefixes)]
        state = copy.deepcopy(states[i % len(states)])
        engine.forget_readings()  # a new message is read afresh
        start = time.perf_counter()
        engine.step(state, events[-1])
        timings.append((time.perf_counter() - start) * 1000.0)
    p50, p99 = np.percentile(timings, [50, 99])
    return float(p50), float(p99)


def replay_latency(
    engine: Engine, stories: Sequence[Story], turns: int = 300
) -> tuple[float, float]:
    """p50 and p99 milliseconds to replay a whole dialogue from its log (restore, undo)."""
    logs = dialogue_logs(engine, stories)
    timings = []
    for i in range(turns):
        start = time.perf_counter()
        engine.replay(logs[i % len(logs)])
        timings.append((time.perf_counter() - start) * 1000.0)
    p50, p99 = np.percentile(timings, [50, 99])
    return float(p50), float(p99)


def step_latency(
    engine: Engine, stories: Sequence[Story], turns: int = 3000
) -> tuple[float, float]:
    """p50 and p99 milliseconds of one planning step, without replaying the log.

    Beliefs from the known facts (rules included) and the choice of the next question or the
    diagnosis, over the whole knowledge base: what a turn would cost if the engine kept its
    state between turns instead of replaying the log. Times the engine's own step on a copy of
    each replayed state, without the decisions its conversation already made (the engine's
    caches of rule outcomes are warm, as in a running service).
    """
    states = [
        engine.replay(log[: i + 1])
        for log in dialogue_logs(engine, stories)
        for i in range(len(log))
    ]
    states = [state for state in states if not state.finished]
    timings = []
    for i in range(turns):
        state = copy.copy(states[i % len(states)])
        state.decisions = {}  # a step not decided before in this conversation
        start = time.perf_counter()
        engine._next(state)
        timings.append((time.perf_counter() - start) * 1000.0)
    p50, p99 = np.percentile(timings, [50, 99])
    return float(p50), float(p99)


def false_alarms(results: Sequence[StoryResult]) -> int:
    """Healthy stories where some other cause is reported as present."""
    return sum(any(found != HEALTHY for found in r.found) for r in results if r.cause == HEALTHY)


def _misread_lines(engine: Engine, stories: Sequence[Story]) -> str:
    lines = ["Text reader against the stories' answers (read -> answered):"]
    for story in stories:
        for fact, (read, answered) in misreadings(engine, story).items():
            lines.append(f"  {story.id:32} {fact}: {read} -> {answered}")
    return "\n".join(lines)


def _table(title: str, planned: Sequence[StoryResult], checklist: Sequence[StoryResult]) -> str:
    lines = [title, f"{'story':32} {'true cause':32} {'rank':>4} {'q':>2}  {'checklist':>9}  top"]
    for ours, theirs in zip(planned, checklist, strict=True):
        flag = "" if ours.rank == 1 else "  <- " + ours.top
        lines.append(
            f"{ours.story:32} {ours.cause:32} {ours.rank:>4} {ours.questions:>2}  "
            f"{theirs.rank:>4} ({theirs.questions}){flag}"
        )
    return "\n".join(lines)


def _line(name: str, summary: Summary) -> str:
    return (
        f"{name:22} top-1 {summary.top1:6.1%}  top-3 {summary.top3:6.1%}  "
        f"questions mean {summary.mean_questions:4.1f}  max {summary.max_questions}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print a row per story")
    parser.add_argument("--turns", type=int, default=3000, help="turns to time (default 3000)")
    args = parser.parse_args(argv)
    engine = make_engine()
    stories = load_stories()
    planned = [run_story(engine, s) for s in stories]
    checklist = [run_checklist(engine, s) for s in stories]
    read = sum(opening(engine, s) is not None for s in stories)
    if args.verbose:
        print(_table("Per story (rank of the true cause, questions asked)", planned, checklist))
        print()
        print(_misread_lines(engine, stories))
        print()
    print(f"{len(stories)} stories, {read} complaints understood by the text reader")
    print(_line("information gain:", summarise(planned)))
    print(_line("fixed checklist:", summarise(checklist)))
    print(_line("  answers only, IG:", summarise([run_story(engine, s, False) for s in stories])))
    print(
        _line(
            "  answers only, list:",
            summarise([run_checklist(engine, s, False) for s in stories]),
        )
    )
    print(f"false alarms on healthy stories: {false_alarms(planned)}")
    turn50, turn99 = turn_latency(engine, stories, args.turns)
    step50, step99 = step_latency(engine, stories, args.turns)
    replay50, replay99 = replay_latency(engine, stories)
    said50, said99 = turn_latency(engine, stories, args.turns // 4, kinds=(Said,))
    print(f"engine turn (answer -> beliefs + plan): p50 {turn50:.2f} ms  p99 {turn99:.2f} ms")
    print(f"typed message (read + beliefs + plan): p50 {said50:.2f} ms  p99 {said99:.2f} ms")
    print(f"planning step alone (beliefs + plan): p50 {step50:.2f} ms  p99 {step99:.2f} ms")
    print(f"whole-dialogue replay (restore, undo): p50 {replay50:.2f} ms  p99 {replay99:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
