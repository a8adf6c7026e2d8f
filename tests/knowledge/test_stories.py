"""The symptom stories: the planned dialogue finds the true cause within the question budget."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from assistant.drive.headless import check_answers

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "dialogue.py"


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_dialogue", BENCHMARK)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {BENCHMARK}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


dialogue = _load_benchmark()


@pytest.fixture(scope="module")
def engine() -> Any:
    return dialogue.make_engine()


@pytest.fixture(scope="module")
def stories() -> list[Any]:
    return dialogue.load_stories()


@pytest.fixture(scope="module")
def planned(engine: Any, stories: list[Any]) -> list[Any]:
    return [dialogue.run_story(engine, story) for story in stories]


def test_there_are_enough_stories_to_cover_every_family(stories: list[Any]) -> None:
    families = {story.cause.split(".")[0] for story in stories}
    assert len(stories) >= 30
    assert families == {"data", "model", "train", "eval", "frame"}


def test_every_story_names_a_known_cause_and_valid_answers(engine: Any, stories: list[Any]) -> None:
    for story in stories:
        assert story.cause in engine.kb.causes, story.id
        check_answers(engine.kb, story.answers)


def test_the_true_cause_is_among_the_top_three_often_enough(planned: list[Any]) -> None:
    summary = dialogue.summarise(planned)
    assert summary.top3 >= 0.85
    assert summary.top1 >= 0.65


def test_no_dialogue_asks_more_than_eight_questions(planned: list[Any]) -> None:
    assert dialogue.summarise(planned).max_questions <= 8


def test_healthy_stories_raise_no_false_alarm(planned: list[Any]) -> None:
    assert dialogue.false_alarms(planned) == 0


def test_planning_beats_the_fixed_checklist(
    engine: Any, stories: list[Any], planned: list[Any]
) -> None:
    checklist = [dialogue.run_checklist(engine, story) for story in stories]
    assert dialogue.summarise(planned).top3 > dialogue.summarise(checklist).top3
