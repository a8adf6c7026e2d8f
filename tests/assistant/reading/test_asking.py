"""When reading is unsure, the assistant asks: a rephrase prompt for words it cannot read, a
question for two close readings, never a ranking of base rates presented as a diagnosis."""

from __future__ import annotations

from pathlib import Path

from assistant.core.engine import NO_EVIDENCE, REPHRASE, Engine
from assistant.core.reading import Reading, TextReader
from assistant.core.replies import Diagnosis, Text
from assistant.core.session import Session
from assistant.drive.headless import run
from knowledge.loader import KnowledgeBase


def test_words_that_read_nothing_get_the_rephrase_prompt(kb: KnowledgeBase) -> None:
    assert Session(Engine(kb)).send("asdf qwer") == [Text(text=REPHRASE, tone="notice")]


def test_with_nothing_known_the_diagnosis_asks_for_more_instead_of_ranking(
    kb: KnowledgeBase,
) -> None:
    session = Session(Engine(kb))
    session.send("asdf qwer")
    (diagnosis,) = session.finish()
    assert diagnosis == Diagnosis(found=[], cards=[], settled=False, text=NO_EVIDENCE)
    assert NO_EVIDENCE == (
        "I have nothing to go on yet, so I will not guess: a ranking now would only repeat how "
        "common each cause is. Tell me what you see in training, for example: 'the loss is "
        "stuck at 0.69', 'every prediction is the same', 'the gradients are all zero', or "
        "paste the error message or the code of your model and loss."
    )


def test_headless_words_that_read_nothing_find_no_cause(kb: KnowledgeBase) -> None:
    _, outcome = run(Engine(kb), say="asdf qwer")
    assert outcome.found == []
    assert [step.kind for step in outcome.steps if step.kind == "inference"] == []


def test_a_known_fact_still_gets_the_ranking(kb: KnowledgeBase) -> None:
    session = Session(Engine(kb))
    session.send("the loss is nan")
    replies = session.finish()
    diagnosis = next(r for r in replies if isinstance(r, Diagnosis))
    assert diagnosis.text != NO_EVIDENCE
    assert diagnosis.cards


def test_two_close_guesses_are_asked_about_not_picked(kb: KnowledgeBase, tmp_path: Path) -> None:
    # the text model leans to "flat" (about 0.53) over "nan" (about 0.44): too close to pick
    phrasings = tmp_path / "phrasings.yaml"
    phrasings.write_text(
        "phrasings:\n"
        "  loss_trend=flat:\n    - the curve wobbles strangely\n    - the curve wobbles\n"
        "  loss_trend=nan:\n    - the curve wobbles strangely\n"
        "  none:\n    - hello there\n    - thanks a lot\n",
        encoding="utf-8",
    )
    reading = TextReader(kb, phrasings).read("the curve wobbles strangely")
    assert reading == Reading(unsure=[("loss_trend", "flat"), ("loss_trend", "nan")])
