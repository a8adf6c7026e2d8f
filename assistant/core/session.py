"""A conversation: an event log plus the engine that replays it.

Front ends talk to a ``Session``. It turns what the user types into events (commands such as
"why" or "undo" are recognised here), appends them to the log and returns the engine's replies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.core.engine import Engine
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
from assistant.core.replies import OUTCOME_QUESTION, Reply, Text
from assistant.core.state import State
from knowledge.types import UNKNOWN
from probes.result import ProbeResult

_COMMANDS: list[tuple[str, re.Pattern[str]]] = [
    ("why", re.compile(r"^(why\??|\?|why (this|that|do you ask)\??)$")),
    ("undo", re.compile(r"^(undo|go back|back)$")),
    ("restart", re.compile(r"^(restart|start over|reset)$")),
    ("skip", re.compile(r"^(skip|don'?t know|do not know|dunno|idk|not sure|no idea|pass)$")),
    ("fixed", re.compile(r"^(fixed|that fixed it|it works( now)?|solved|it learns now)$")),
    (
        "still_stuck",
        re.compile(
            r"^(still stuck|that didn'?t help|didn'?t help|did not help|no luck|not fixed)$"
        ),
    ),
    ("finish", re.compile(r"^(done|diagnose|stop|that'?s all|give me the diagnosis)$")),
]


def command_of(text: str) -> str | None:
    cleaned = text.strip().lower().rstrip(".!")
    for name, pattern in _COMMANDS:
        if pattern.match(cleaned):
            return name
    return None


class Session:
    def __init__(self, engine: Engine, events: Iterable[Event] = ()) -> None:
        self.engine = engine
        self.events: list[Event] = list(events)
        self._state: State | None = None

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = self.engine.replay(self.events)
        return self._state

    def add(self, event: Event) -> list[Reply]:
        """Append ``event``; only undo and restart replay the log, others apply to the state."""
        if isinstance(event, Undo | Restart):
            decisions = self._state.decisions if self._state is not None else None
            self.events.append(event)
            self._state, replies = self.engine.replay_last(self.events, decisions)
            return replies
        state = self.state
        self.events.append(event)
        return self.engine.step(state, event)

    def start(self) -> list[Reply]:
        return self.engine.replies_to_last([])

    def send(self, text: str) -> list[Reply]:
        """Whatever the user typed: a command, an answer in words, or a description."""
        command = command_of(text)
        if command == "why":
            return [self.why()]
        if command == "undo":
            return self.add(Undo())
        if command == "restart":
            return self.restart()
        if command == "skip":
            return self.skip()
        if command in ("fixed", "still_stuck"):
            return self.outcome(command == "fixed")
        if command == "finish":
            return self.add(Finish())
        return self.add(Said(text=text))

    def choose(self, value: str) -> list[Reply]:
        pending = self.state.pending
        if pending is None:
            return [Text(text="There is no question waiting for an answer.", tone="notice")]
        return self.add(Answered(question=pending.id, value=value))

    def answer(self, question: str, value: str) -> list[Reply]:
        return self.add(Answered(question=question, value=value))

    def skip(self) -> list[Reply]:
        pending = self.state.pending
        if pending is None or pending.id == OUTCOME_QUESTION:
            return [Text(text="There is no question to skip right now.", tone="notice")]
        return self.add(Answered(question=pending.id, value=UNKNOWN))

    def outcome(self, fixed: bool) -> list[Reply]:
        diagnosed = self.state.diagnosed
        if not diagnosed:
            return [
                Text(
                    text="There is no fix to report on yet: I have not named a cause.",
                    tone="notice",
                )
            ]
        return self.add(FixTried(cause=diagnosed[0], result="fixed" if fixed else "still_stuck"))

    def attach(self, target: str, keys: Iterable[str]) -> list[Reply]:
        return self.add(Attached(target=target, keys=sorted(keys)))

    def tell(
        self,
        facts: dict[str, str],
        *,
        source: str = "",
        evidence: dict[str, str] | None = None,
    ) -> list[Reply]:
        """Facts stated outright: answers (the default source), or a script read statically."""
        return self.add(Told(facts=facts, source=source, evidence=evidence or {}))

    def report(self, result: ProbeResult) -> list[Reply]:
        return self.add(Probed(result=result))

    def restart(self) -> list[Reply]:
        self.add(Restart())
        return [Text(text="Starting over."), *self.engine.replies_to_last([])]

    def undo(self) -> list[Reply]:
        return self.add(Undo())

    def finish(self) -> list[Reply]:
        return self.add(Finish())

    def why(self) -> Text:
        return Text(text=self.engine.why(self.state))
