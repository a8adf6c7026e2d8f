"""The engine on a small fixture knowledge base: beliefs, planning, replay, the fix loop."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.engine import OUTCOME_QUESTION, Engine, effective
from assistant.core.events import Answered, Attached, FixTried, Probed, Restart, Said, Told, Undo
from assistant.core.replies import Diagnosis, ProbeRequest, Question, Text
from assistant.core.session import Session
from knowledge import load
from probes.result import ProbeResult


@pytest.fixture
def engine(kb_dir: Path) -> Engine:
    kb = load(kb_dir)
    return Engine(kb, kb.thresholds.model_copy(update={"max_questions": 8}))


def questions_asked(session: Session) -> list[str]:
    return [t.event.question for t in session.state.exchanges if isinstance(t.event, Answered)]


def test_greeting_invites_a_description(engine: Engine) -> None:
    (reply,) = Session(engine).start()
    assert isinstance(reply, Text)
    assert reply.text.startswith("Hi, I'm unstuck. Tell me what you see")


def test_complaint_becomes_a_fact_and_the_best_question_follows(engine: Engine) -> None:
    session = Session(engine)
    replies = session.send("the loss is flat")
    assert replies[0] == Text(text="Noted: the loss is flat.")
    question = replies[-1]
    assert isinstance(question, Question)
    assert question.id == "ask_task"  # separates the leading cause from the rest
    assert session.state.facts["loss_trend"].source == "you said"


def test_dialogue_reaches_the_cause_and_offers_the_fix_loop(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("regression")
    replies = session.choose("softmax")
    diagnosis = next(r for r in replies if isinstance(r, Diagnosis))
    assert diagnosis.found == ["model.output_activation"]
    card = diagnosis.cards[0]
    assert [e.fact for e in card.evidence_for] == ["output_range_mismatch", "loss_trend"]
    assert card.evidence_for[0].text == (
        "whether the output range can reach the targets: yes (rule squashed-regression)"
    )
    assert isinstance(replies[-1], Question) and replies[-1].id == OUTCOME_QUESTION


def test_preconditions_keep_irrelevant_questions_away(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("classification")
    assert "ask_output_activation" not in questions_asked(session)
    assert session.state.pending is None or session.state.pending.id != "ask_output_activation"


def test_no_question_is_asked_twice(engine: Engine) -> None:
    session = Session(engine)
    session.tell({})
    seen: list[str] = []
    for _ in range(10):
        pending = session.state.pending
        if pending is None or pending.id == OUTCOME_QUESTION:
            break
        assert pending.id not in seen
        seen.append(pending.id)
        session.skip()
    assert len(seen) == len(set(seen)) >= 2


def test_answer_outside_the_choices_is_asked_again(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    replies = session.choose("purple")
    assert replies[0] == Text(
        text="'purple' is not one of the answers to \"What does the model predict?\". "
        "Pick one of: 1. a number, 2. a class; or say 'skip' if you don't know.",
        tone="notice",
    )
    assert isinstance(replies[1], Question) and replies[1].id == "ask_task"


def test_typed_answer_by_number_or_label(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.send("1")
    assert session.state.facts["task"].value == "regression"
    session.send("a softmax")
    assert session.state.facts["output_activation"].value == "softmax"


def test_meaningless_message_asks_to_rephrase_with_examples(engine: Engine) -> None:
    (reply,) = Session(engine).send("asdf qwer")
    assert isinstance(reply, Text) and reply.tone == "notice"
    assert reply.text.startswith("I could not pick out anything I can use from that.")
    assert "'the loss is stuck at 0.69'" in reply.text


def test_empty_message_asks_to_rephrase(engine: Engine) -> None:
    (reply,) = Session(engine).send("   ")
    assert isinstance(reply, Text) and reply.text.startswith("I could not pick out")


def test_undo_at_the_start_says_there_is_nothing_to_undo(engine: Engine) -> None:
    assert Session(engine).undo() == [
        Text(text="There is nothing to undo yet: you have not said anything.")
    ]


def test_undo_takes_back_the_last_answer_and_asks_again(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("regression")
    replies = session.undo()
    assert replies[0] == Text(text="Done: I took back your last step.")
    assert isinstance(replies[1], Question) and replies[1].id == "ask_task"
    assert "task" not in session.state.facts


def test_restart_forgets_everything_but_the_target(engine: Engine) -> None:
    events = [Attached(target="t.py", keys=["model"]), Said(text="loss is nan"), Restart()]
    assert effective(events) == [Attached(target="t.py", keys=["model"])]


def test_replay_is_deterministic_and_restores_state(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("regression")
    restored = Session(engine, list(session.events))
    assert restored.state.fact_values() == session.state.fact_values()
    assert restored.state.pending == session.state.pending


def test_probes_come_first_when_a_target_is_connected(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    (request,) = session.attach("t.py", ["model"])
    assert isinstance(request, ProbeRequest) and request.probes == ["output_check"]
    result = ProbeResult(
        id="output_check",
        status="fail",
        facts={"output_activation": "softmax"},
        finding="The model ends in a softmax.",
    )
    session.report(result)
    assert session.state.facts["output_activation"].source == "probe output_check"
    assert session.state.probes_done == {"output_check": "fail"}


def test_probe_needing_a_missing_key_is_not_requested(engine: Engine) -> None:
    session = Session(engine)
    replies = session.attach("data.py", ["train"])
    assert not any(isinstance(r, ProbeRequest) for r in replies)


def test_still_stuck_excludes_the_cause_and_drops_stale_measurements(engine: Engine) -> None:
    session = Session(engine)
    session.attach("t.py", ["model"])
    session.report(
        ProbeResult(
            id="output_check",
            status="fail",
            facts={"output_activation": "softmax"},
            finding="softmax",
        )
    )
    session.send("the loss is flat")
    session.choose("regression")
    assert session.state.diagnosed == ["model.output_activation"]
    replies = session.send("still stuck")
    assert replies[0] == Text(
        text="Understood: Output activation does not match the task was not it. "
        "Let me look further."
    )
    assert "model.output_activation" in session.state.excluded
    assert "output_activation" not in session.state.facts
    assert session.state.probes_done == {}  # the changed code gets measured again when useful
    assert isinstance(replies[1], Question) and replies[1].id == "ask_learning_rate"


def test_fixed_closes_the_conversation(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("regression")
    session.choose("softmax")
    (reply,) = session.send("fixed")
    assert isinstance(reply, Text) and reply.text.startswith(
        "Good to hear that output activation does not match the task was it."
    )
    assert session.state.fixed == "model.output_activation"


def test_a_cause_that_means_nothing_wrong_offers_no_fix(kb_dir: Path) -> None:
    path = kb_dir / "thresholds.yaml"
    path.write_text(path.read_text().replace("found_at: 0.5", "found_at: 0.3"))
    session = Session(Engine(load(kb_dir)))
    session.tell({"loss_trend": "decreasing"})
    (diagnosis,) = session.finish()
    assert isinstance(diagnosis, Diagnosis) and diagnosis.found == ["eval.actually_fine"]
    assert diagnosis.text == (
        "From what I see, your model is learning; the problem may not be real."
    )
    assert session.state.pending is None and session.state.finished


def test_which_cause_means_nothing_wrong_is_knowledge(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    text = path.read_text().replace("    means_nothing_wrong: true\n", "")
    path.write_text(
        text.replace("family: model\n", "family: model\n    means_nothing_wrong: true\n")
    )
    session = Session(Engine(load(kb_dir)))
    session.send("the loss is flat")
    session.choose("regression")
    (diagnosis,) = session.choose("softmax")
    assert isinstance(diagnosis, Diagnosis) and diagnosis.found == ["model.output_activation"]
    assert diagnosis.text.startswith("From what I see, your model is learning")


def test_evidence_on_a_card_is_what_passes_the_knowledge_base_ratio(kb_dir: Path) -> None:
    path = kb_dir / "thresholds.yaml"
    path.write_text(path.read_text().replace("evidence_ratio: 1.5", "evidence_ratio: 6.0"))
    session = Session(Engine(load(kb_dir)))
    session.tell({"loss_trend": "decreasing"})
    (diagnosis,) = session.finish()
    assert isinstance(diagnosis, Diagnosis)
    card = diagnosis.cards[0]
    assert card.id == "eval.actually_fine"
    assert card.evidence_for == []  # the ratio 5.6 would pass the bundled 1.5


def test_fix_report_before_any_diagnosis(engine: Engine) -> None:
    assert Session(engine).send("fixed") == [
        Text(text="There is no fix to report on yet: I have not named a cause.", tone="notice")
    ]


def test_why_explains_ranking_and_question(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    text = session.send("why")[0]
    assert isinstance(text, Text)
    lines = text.text.splitlines()
    assert lines[0] == "Where I stand:"
    assert lines[1].startswith("- Output activation does not match the task")
    assert "    for: the loss is flat (you said)" in lines
    assert lines[-1].startswith("I asked 'What does the model predict?' because:")


def test_several_causes_can_be_found_at_once(engine: Engine) -> None:
    session = Session(engine)
    session.tell(
        {
            "loss_trend": "flat",
            "task": "regression",
            "output_activation": "softmax",
            "learning_rate": "high",
        }
    )
    state = session.state
    found = engine.found(state)
    assert "model.output_activation" in found


def test_answer_events_validate_question_ids(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    replies = session.add(Answered(question="ask_nothing", value="x"))
    assert replies == [Text(text="I did not ask the question 'ask_nothing'.", tone="error")]


def test_told_facts_count_as_answers(engine: Engine) -> None:
    session = Session(engine)
    session.add(Told(facts={"loss_trend": "nan", "learning_rate": "high"}))
    assert engine.found(session.state)[0] == "train.lr_too_high"


def test_outcome_for_unknown_cause_is_harmless(engine: Engine) -> None:
    session = Session(engine)
    session.add(FixTried(cause="nope", result="still_stuck"))
    assert session.state.excluded == set()


def test_probed_event_with_unknown_fact_is_ignored(engine: Engine) -> None:
    session = Session(engine)
    session.add(Probed(result=ProbeResult(id="x", status="pass", facts={"nope": "1"}, finding="")))
    assert "nope" not in session.state.facts


def test_undo_event_never_removes_probe_results(engine: Engine) -> None:
    result = ProbeResult(
        id="output_check", status="pass", facts={"output_activation": "none"}, finding=""
    )
    events = [Said(text="loss is nan"), Probed(result=result), Undo()]
    assert effective(events) == []
    events = [Said(text="loss is nan"), Attached(target="t", keys=[]), Undo()]
    assert effective(events) == [Attached(target="t", keys=[])]


def test_headless_run_records_rule_inferences(engine: Engine) -> None:
    from assistant.drive import headless

    _, outcome = headless.run(
        engine,
        say="the loss is flat",
        answers={"task": "regression", "ask_output_activation": "softmax"},
    )
    assert outcome.found == ["model.output_activation"]
    kinds = [(s.kind, s.id, s.result) for s in outcome.steps]
    assert kinds[0] == ("inference", "loss_trend", "flat")
    assert ("question", "ask_task", "regression") in kinds
    assert kinds[-1] == ("inference", "output_range_mismatch", "yes")
    assert outcome.steps[-1].text == "A softmax bounds a regression output."
    assert outcome.questions_asked == 2


def test_headless_run_without_words_starts_from_priors(engine: Engine) -> None:
    from assistant.drive import headless

    _, outcome = headless.run(engine, answers={"loss_trend": "nan", "learning_rate": "high"})
    assert outcome.found[0] == "train.lr_too_high"
    assert [s.kind for s in outcome.steps] == ["question"] * len(outcome.steps)


class UnsureReader:
    """A reader that is never sure, to drive the clarifying question."""

    def read(self, text: str, expecting: object = None, known: object = None) -> object:
        from assistant.core.reading import Reading

        if "weird" in text:
            return Reading(unsure=[("loss_trend", "flat"), ("loss_trend", "nan")])
        return Reading()


def test_unsure_reading_asks_a_clarifying_question(kb_dir: Path) -> None:
    engine = Engine(load(kb_dir), reader=UnsureReader())  # type: ignore[arg-type]
    session = Session(engine)
    (question,) = session.send("the loss is weird")
    assert isinstance(question, Question)
    assert question.text == "I am not sure I read that right. Did you mean one of these?"
    assert [c.label for c in question.choices] == [
        "the loss is flat",
        "the loss is NaN",
        "none of these",
    ]
    replies = session.choose("loss_trend=nan")
    assert replies[0] == Text(text="Noted: the loss is NaN.")
    known = session.state.facts["loss_trend"]
    assert (known.value, known.source, known.detail) == ("nan", "you said", "the loss is weird")


def test_clarifying_none_of_these_asks_to_rephrase(kb_dir: Path) -> None:
    engine = Engine(load(kb_dir), reader=UnsureReader())  # type: ignore[arg-type]
    session = Session(engine)
    session.send("weird")
    (reply,) = session.choose("none")
    assert isinstance(reply, Text) and reply.text.startswith("I could not pick out")


def test_incremental_turns_match_a_full_replay(engine: Engine) -> None:
    session = Session(engine)
    session.send("the loss is flat")
    session.choose("regression")
    session.send("why")
    session.undo()
    session.choose("regression")
    session.choose("softmax")
    replayed = engine.replay(session.events)
    assert replayed.fact_values() == session.state.fact_values()
    assert replayed.pending == session.state.pending
    assert [t.replies for t in replayed.exchanges] == [t.replies for t in session.state.exchanges]


def test_step_refuses_events_that_rewrite_the_past(engine: Engine) -> None:
    with pytest.raises(ValueError, match="undo and restart change the past"):
        engine.step(engine.replay([]), Undo())


def test_headless_run_probes_even_when_the_complaint_is_unreadable(engine: Engine) -> None:
    from assistant.drive import headless

    ran: list[str] = []

    def runner(probe_id: str) -> ProbeResult:
        ran.append(probe_id)
        return ProbeResult(
            id=probe_id, status="fail", facts={"output_activation": "softmax"}, finding="softmax"
        )

    _, outcome = headless.run(
        engine, say="qwerty zxcv", target="t.py", target_keys=["model"], probe_runner=runner
    )
    assert ran == ["output_check"]
    assert [p.id for p in outcome.probes] == ["output_check"]


def test_skipped_clarifying_question_goes_on_to_the_probes(kb_dir: Path) -> None:
    engine = Engine(load(kb_dir), reader=UnsureReader())  # type: ignore[arg-type]
    session = Session(engine)
    session.attach("t.py", ["model"])
    session.send("the loss is weird")
    replies = session.skip()
    assert replies[0] == Text(text="Then let me ask instead.", tone="notice")
    assert isinstance(replies[1], ProbeRequest)


def test_a_cause_is_not_found_while_every_fact_that_shows_it_is_unknown(kb_dir: Path) -> None:
    thresholds = kb_dir / "thresholds.yaml"
    thresholds.write_text(thresholds.read_text().replace("found_at: 0.5", "found_at: 0.3"))
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(
        path.read_text().replace(
            "      learning_rate: {high: 0.9}\n",
            "      learning_rate: {high: 0.9}\n    shown_by: [learning_rate]\n",
        )
    )
    engine = Engine(load(kb_dir))
    session = Session(engine)
    session.tell({"loss_trend": "nan"})
    (leader, *_) = engine.ranking(session.state)
    # confident enough on the loss alone, yet nothing says the learning rate is to blame
    assert leader.id == "train.lr_too_high" and leader.confidence >= 0.3
    assert engine.found(session.state) == []
    session.tell({"learning_rate": "high"})
    assert engine.found(session.state)[0] == "train.lr_too_high"


def test_nothing_wrong_is_not_found_beside_a_fault_that_leads(kb_dir: Path) -> None:
    thresholds = kb_dir / "thresholds.yaml"
    thresholds.write_text(thresholds.read_text().replace("found_at: 0.5", "found_at: 0.0001"))
    engine = Engine(load(kb_dir))
    session = Session(engine)
    session.tell({"loss_trend": "nan"})
    ranked = [r.id for r in engine.ranking(session.state)]
    found = engine.found(session.state)
    assert "eval.actually_fine" in ranked and found[0] == ranked[0] == "train.lr_too_high"
    assert "eval.actually_fine" not in found
    healthy = Session(engine)
    healthy.tell({"loss_trend": "decreasing"})
    assert engine.found(healthy.state)[0] == "eval.actually_fine"
