"""The drive loop: run the probes the engine asks for, answer its questions, feed back, stop.

Every front end follows the engine with this one loop: ``unstuck diagnose``, the demo, the line
chat, the terminal app, the service, and whatever comes next. It does no I/O itself; it calls
the probe runner and the answerer it is given.

Two ways to use it:

- ``Drive`` follows a conversation whose calls return at once (a ``Session`` in this process)::

      drive = Drive(session, run_probe=driver.run, answer=lambda question: "unknown")
      for step in drive.follow(session.send("the loss is flat")):
          ...  # ProbesAsked, ProbeStarted, ProbeFinished, QuestionAnswered: show them
      drive.replies  # where the engine stopped: a question for a person, or a diagnosis

- ``DriveLoop`` is the same loop as data, for a front end that runs each step itself (a
  probe in a thread worker, a reply over HTTP): ``take`` the replies, ask ``next`` what to
  do, call ``finished`` when a probe's result is reported, ``cancel`` to drop what is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.core.engine import OUTCOME_QUESTION
from assistant.core.replies import ProbeRequest, Question, Reply
from probes.result import ProbeResult

#: The one cap: the most probes and answers a loop takes without a person. A safety net; a
#: real dialogue runs each probe once and asks a handful of questions.
MAX_STEPS = 200

#: Runs one probe by id on the connected target and returns its result (in a child process,
#: in memory, or on a server: the caller decides). A failure in user code is a result too.
RunProbe = Callable[[str], ProbeResult]

#: Answers a question without a person: one of the question's values, or ``unknown``.
Answerer = Callable[[Question], str]


class Conversation(Protocol):
    """What the loop feeds back into: ``assistant.core.session.Session`` is one."""

    def report(self, result: ProbeResult) -> list[Reply]: ...

    def answer(self, question_id: str, value: str) -> list[Reply]: ...


# -- what the loop decides --------------------------------------------------------------


@dataclass(frozen=True)
class NextProbe:
    """Run this probe, then report its result."""

    probe_id: str
    title: str


@dataclass(frozen=True)
class NextAnswer:
    """Give this answer to the question."""

    question: Question
    value: str


@dataclass
class DriveLoop:
    """The loop's state: the probes asked for and not yet run, the question waiting, the count.

    Questions are answered only with an ``answer`` function; without one a question ends the
    loop's turn, and a person answers.
    """

    answer: Answerer | None = None
    max_steps: int = MAX_STEPS
    queue: list[NextProbe] = field(default_factory=list)
    running: str | None = None
    question: Question | None = None
    steps: int = 0

    def take(self, replies: Sequence[Reply]) -> list[NextProbe]:
        """Note what the replies ask for; returns the probes newly queued.

        A probe request counts wherever it stands: the service follows one with the command
        that runs it on the user's machine. A question counts only as the last reply.
        """
        waiting = {probe.probe_id for probe in self.queue}
        if self.running is not None:
            waiting.add(self.running)
        queued: list[NextProbe] = []
        for reply in replies:
            if not isinstance(reply, ProbeRequest):
                continue
            titles = reply.titles if len(reply.titles) == len(reply.probes) else reply.probes
            for probe_id, title in zip(reply.probes, titles, strict=True):
                if probe_id not in waiting:
                    waiting.add(probe_id)
                    queued.append(NextProbe(probe_id, title))
        self.queue += queued
        last = replies[-1] if replies else None
        asks = isinstance(last, Question) and last.id != OUTCOME_QUESTION
        self.question = last if asks and isinstance(last, Question) else None
        return queued

    def next(self) -> NextProbe | NextAnswer | None:
        """The next step, or None: a probe is still running, nothing is left, or the cap."""
        if self.running is not None:
            return None
        if self.steps >= self.max_steps:
            self.cancel()
            return None
        if self.queue:
            self.steps += 1
            probe = self.queue.pop(0)
            self.running = probe.probe_id
            return probe
        if self.question is not None and self.answer is not None:
            self.steps += 1
            question, self.question = self.question, None
            return NextAnswer(question, self.answer(question))
        return None

    def finished(self, probe_id: str) -> None:
        """The probe's result is reported: the next probe may start."""
        if self.running == probe_id:
            self.running = None

    def cancel(self) -> None:
        """Drop the probes not yet started and the question waiting."""
        self.queue.clear()
        self.question = None


def report_all(conversation: Conversation, results: Sequence[ProbeResult]) -> list[Reply]:
    """Feed results in, in order; returns the replies to the last one."""
    replies: list[Reply] = []
    for result in results:
        replies = conversation.report(result)
    return replies


# -- what a synchronous follow shows ----------------------------------------------------


@dataclass(frozen=True)
class ProbesAsked:
    """The engine asked for probes; ``request`` says which and why."""

    request: ProbeRequest


@dataclass(frozen=True)
class ProbeStarted:
    probe_id: str
    title: str


@dataclass(frozen=True)
class ProbeFinished:
    """A probe ran and its result was reported; ``replies`` are the engine's answer to it."""

    probe_id: str
    result: ProbeResult
    replies: list[Reply]


@dataclass(frozen=True)
class QuestionAnswered:
    question: Question
    value: str
    replies: list[Reply]


Step = ProbesAsked | ProbeStarted | ProbeFinished | QuestionAnswered


class Drive:
    """The loop over a conversation whose calls return at once, one ``Step`` at a time."""

    def __init__(
        self,
        conversation: Conversation,
        run_probe: RunProbe | None = None,
        answer: Answerer | None = None,
        max_steps: int = MAX_STEPS,
    ) -> None:
        self.conversation = conversation
        self.run_probe = run_probe
        self.loop = DriveLoop(answer=answer, max_steps=max_steps)
        self.replies: list[Reply] = []

    def follow(self, replies: list[Reply]) -> Iterator[Step]:
        """Follow the engine from ``replies`` until it waits for a person or is done.

        ``self.replies`` holds the engine's latest replies, during and after the follow.
        """
        self.replies = replies
        yield from self._take(replies)
        while (step := self.loop.next()) is not None:
            if isinstance(step, NextProbe):
                yield ProbeStarted(step.probe_id, step.title)
                result = self._run(step.probe_id)
                self.replies = self.conversation.report(result)
                self.loop.finished(step.probe_id)
                yield ProbeFinished(step.probe_id, result, self.replies)
            else:
                self.replies = self.conversation.answer(step.question.id, step.value)
                yield QuestionAnswered(step.question, step.value, self.replies)
            yield from self._take(self.replies)

    def _take(self, replies: list[Reply]) -> Iterator[Step]:
        # Without a runner the probes the engine asks for stay undone: the turn ends there.
        if self.run_probe is None:
            self.loop.take([r for r in replies if not isinstance(r, ProbeRequest)])
            return
        if self.loop.take(replies):
            request = next(r for r in reversed(replies) if isinstance(r, ProbeRequest))
            yield ProbesAsked(request)

    def _run(self, probe_id: str) -> ProbeResult:
        if self.run_probe is None:  # _take queues no probe without a runner
            raise RuntimeError(f"the probe '{probe_id}' was queued with no runner")
        return self.run_probe(probe_id)
