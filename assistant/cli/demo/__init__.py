"""`unstuck demo`: a scripted conversation about a bundled broken training script."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from assistant.cli import plain
from assistant.core.engine import Engine
from assistant.core.replies import Diagnosis, ProbeRequest, Question, Reply
from assistant.core.session import Session
from assistant.drive.driver import ProbeDriver
from assistant.drive.loop import Drive, ProbeFinished, ProbeStarted, QuestionAnswered
from knowledge.loader import bundled
from knowledge.types import UNKNOWN

TARGET = Path(__file__).with_name("softmax_regression.py")
COMPLAINT = (
    "I'm fitting Celsius to Fahrenheit with a one-layer net and the loss won't go down at all, "
    "it just sits there."
)
#: What the demo user answers when asked; anything else is "don't know".
ANSWERS = {"task": "regression", "modality": "tabular", "dataset_size": "tiny"}


def run_demo(out: TextIO) -> int:
    engine = Engine(bundled())
    session = Session(engine)
    say(out, "unstuck", session.start())
    out.write(f"\n(The training script is {TARGET}.)\n\n")
    driver = ProbeDriver(f"{TARGET}:experiment")
    session.attach(driver.name, driver.keys)
    say(out, "you", COMPLAINT)
    replies = session.send(COMPLAINT)
    say(out, "unstuck", _shown(replies))
    drive = Drive(session, run_probe=driver.run, answer=_answer)
    for step in drive.follow(replies):
        if isinstance(step, ProbeStarted):
            out.write(f"   ... running {step.title}\n")
        elif isinstance(step, ProbeFinished):
            out.write(f"   [{step.result.status}] {step.result.finding}\n\n")
            say(out, "unstuck", _shown(step.replies))
        elif isinstance(step, QuestionAnswered):
            label = next(
                (c.label for c in step.question.choices if c.value == step.value), "don't know"
            )
            say(out, "you", label)
            say(out, "unstuck", _shown(step.replies))
    if not any(isinstance(r, Diagnosis) for r in drive.replies):
        say(out, "unstuck", session.finish())
    return 0


def _answer(question: Question) -> str:
    return ANSWERS.get(question.fact, UNKNOWN)


def _shown(replies: list[Reply]) -> list[Reply]:
    """What the demo prints: the probe requests show as the probes' own lines instead."""
    return [r for r in replies if not isinstance(r, ProbeRequest)]


def say(out: TextIO, who: str, what: str | list[Reply]) -> None:
    text = what if isinstance(what, str) else "\n\n".join(plain.reply(r) for r in what)
    if not text.strip():
        return
    out.write(f"{who}> {text}\n\n")
    out.flush()
