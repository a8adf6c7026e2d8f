"""The one drive loop: it runs what the engine asks for, answers when told how, and stops."""

from __future__ import annotations

from collections.abc import Callable

from assistant.core.engine import OUTCOME_QUESTION
from assistant.core.replies import Diagnosis, Option, ProbeRequest, Question, Reply, Text
from assistant.drive.loop import (
    MAX_STEPS,
    Drive,
    DriveLoop,
    NextAnswer,
    NextProbe,
    ProbeFinished,
    ProbesAsked,
    ProbeStarted,
    QuestionAnswered,
    report_all,
)
from probes.result import ProbeResult

TREND = Question(
    id="ask_trend",
    fact="loss_trend",
    text="How does the loss move?",
    choices=[Option(value="flat", label="flat"), Option(value="nan", label="NaN")],
)
DONE = Diagnosis(found=["data.no_signal"], cards=[], settled=True, text="No signal.")


def asks(*probes: str) -> ProbeRequest:
    return ProbeRequest(probes=list(probes), titles=[p.replace("_", " ") for p in probes])


def passed(probe_id: str) -> ProbeResult:
    return ProbeResult(id=probe_id, status="pass", finding=f"{probe_id} is fine.")


class Scripted:
    """A conversation that answers each call with the next replies of a script."""

    def __init__(self, *script: list[Reply]) -> None:
        self.script = list(script)
        self.calls: list[str] = []

    def report(self, result: ProbeResult) -> list[Reply]:
        self.calls.append(f"report {result.id}")
        return self.script.pop(0)

    def answer(self, question_id: str, value: str) -> list[Reply]:
        self.calls.append(f"answer {question_id}={value}")
        return self.script.pop(0)


def always(value: str) -> Callable[[Question], str]:
    return lambda question: value


def test_it_runs_the_probes_answers_the_questions_and_stops_at_the_diagnosis() -> None:
    conversation = Scripted([Text(text="Noted."), TREND], [DONE])
    drive = Drive(conversation, run_probe=passed, answer=always("flat"))
    steps = list(drive.follow([Text(text="Let me check."), asks("init_loss")]))
    assert steps == [
        ProbesAsked(asks("init_loss")),
        ProbeStarted("init_loss", "init loss"),
        ProbeFinished("init_loss", passed("init_loss"), [Text(text="Noted."), TREND]),
        QuestionAnswered(TREND, "flat", [DONE]),
    ]
    assert conversation.calls == ["report init_loss", "answer ask_trend=flat"]
    assert drive.replies == [DONE]


def test_without_an_answerer_a_question_ends_the_follow() -> None:
    conversation = Scripted([TREND])
    drive = Drive(conversation, run_probe=passed)
    assert [type(step) for step in drive.follow([asks("init_loss")])] == [
        ProbesAsked,
        ProbeStarted,
        ProbeFinished,
    ]
    assert drive.replies == [TREND]


def test_without_a_runner_a_probe_request_ends_the_follow() -> None:
    conversation = Scripted()
    drive = Drive(conversation, answer=always("flat"))
    assert list(drive.follow([asks("init_loss")])) == []
    assert conversation.calls == []


def test_the_question_after_a_diagnosis_waits_for_a_person() -> None:
    outcome = TREND.model_copy(update={"id": OUTCOME_QUESTION, "fact": ""})
    drive = Drive(Scripted(), run_probe=passed, answer=always("fixed"))
    assert list(drive.follow([DONE, outcome])) == []


def test_the_cap_stops_an_engine_that_never_stops_asking() -> None:
    endless = Scripted(*[[asks(f"probe_{n}")] for n in range(1, 10)])
    drive = Drive(endless, run_probe=passed, max_steps=3)
    finished = [s.probe_id for s in drive.follow([asks("probe_0")]) if isinstance(s, ProbeFinished)]
    assert finished == ["probe_0", "probe_1", "probe_2"]
    assert drive.loop.queue == []
    assert MAX_STEPS == 200


def test_a_probe_asked_for_again_while_it_runs_is_queued_once() -> None:
    loop = DriveLoop()
    assert loop.take([asks("init_loss", "lr_range")]) == [
        NextProbe("init_loss", "init loss"),
        NextProbe("lr_range", "lr range"),
    ]
    assert loop.next() == NextProbe("init_loss", "init loss")
    assert loop.take([asks("init_loss")]) == []
    assert loop.next() is None  # one probe at a time
    loop.finished("init_loss")
    assert loop.next() == NextProbe("lr_range", "lr range")


def test_step_by_step_the_loop_answers_and_cancels() -> None:
    loop = DriveLoop(answer=always("nan"))
    loop.take([Text(text="Hm."), TREND])
    assert loop.next() == NextAnswer(TREND, "nan")
    assert loop.next() is None
    loop.take([asks("init_loss")])
    loop.cancel()
    assert loop.next() is None
    assert loop.steps == 1


def test_results_reported_together_give_the_replies_to_the_last() -> None:
    conversation = Scripted([Text(text="one")], [DONE])
    assert report_all(conversation, [passed("a"), passed("b")]) == [DONE]
    assert conversation.calls == ["report a", "report b"]
