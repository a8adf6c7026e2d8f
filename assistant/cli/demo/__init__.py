"""`unstuck demo`: a scripted conversation about a bundled broken training script."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from assistant.cli import plain
from assistant.core.engine import OUTCOME_QUESTION, Engine
from assistant.core.replies import Diagnosis, ProbeRequest, Question, Reply
from assistant.core.session import Session
from assistant.drive.driver import ProbeDriver
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
    for _ in range(60):
        say(out, "unstuck", [r for r in replies if not isinstance(r, ProbeRequest)])
        last = replies[-1] if replies else None
        if isinstance(last, ProbeRequest):
            replies = _probe(session, driver, last, out)
        elif isinstance(last, Question) and last.id != OUTCOME_QUESTION:
            value = ANSWERS.get(last.fact, UNKNOWN)
            label = next((c.label for c in last.choices if c.value == value), "don't know")
            say(out, "you", label)
            replies = session.answer(last.id, value)
        else:
            break
    if not any(isinstance(r, Diagnosis) for r in replies):
        say(out, "unstuck", session.finish())
    return 0


def _probe(
    session: Session, driver: ProbeDriver, request: ProbeRequest, out: TextIO
) -> list[Reply]:
    replies: list[Reply] = []
    for probe_id, title in zip(request.probes, request.titles, strict=True):
        out.write(f"   ... running {title}\n")
        result = driver.run(probe_id)
        out.write(f"   [{result.status}] {result.finding}\n")
        replies = session.report(result)
    out.write("\n")
    return replies


def say(out: TextIO, who: str, what: str | list[Reply]) -> None:
    text = what if isinstance(what, str) else "\n\n".join(plain.reply(r) for r in what)
    if not text.strip():
        return
    out.write(f"{who}> {text}\n\n")
    out.flush()
