"""The error catalogue (knowledge/errors.yaml): validated on load like every other file."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeError, load

GOOD_ENTRY = """\
errors:
  - id: torch.target_out_of_bounds
    title: a class label outside the outputs
    library: torch
    patterns: ['Target -?\\d+ is out of bounds']
    sets: {task: regression}
    examples: ["IndexError: Target 5 is out of bounds."]
"""


def problems_of(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(root)
    return caught.value.problems


def test_the_catalogue_is_optional(kb_dir: Path) -> None:
    assert load(kb_dir).errors == []


def test_a_good_entry_loads(kb_dir: Path) -> None:
    (kb_dir / "errors.yaml").write_text(GOOD_ENTRY)
    (entry,) = load(kb_dir).errors
    assert entry.id == "torch.target_out_of_bounds"
    assert entry.sets == {"task": "regression"}


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            "'Target -?\\d+ is out of bounds'",
            "'Target (\\d+ is out of bounds'",
            "knowledge/errors.yaml: errors[0].patterns[0]: not a valid regular expression: "
            "missing ), unterminated subpattern at position 7",
            id="pattern-does-not-compile",
        ),
        pytest.param(
            "{task: regression}",
            "{no_such_fact: regression}",
            "knowledge/errors.yaml: errors[0].sets.no_such_fact: unknown fact 'no_such_fact'",
            id="unknown-fact",
        ),
        pytest.param(
            "{task: regression}",
            "{task: ranking}",
            "knowledge/errors.yaml: errors[0].sets.task: 'ranking' is not a value of fact "
            "'task' (one of: regression, classification)",
            id="unknown-value",
        ),
        pytest.param(
            '"IndexError: Target 5 is out of bounds."',
            '"IndexError: Target five is out of range."',
            "knowledge/errors.yaml: errors[0].examples[0]: no pattern of this entry matches "
            "it; fix the pattern to match the real message",
            id="pattern-misses-its-example",
        ),
        pytest.param(
            "id: torch.target_out_of_bounds",
            "id: keras.target_out_of_bounds",
            "knowledge/errors.yaml: errors[0].id: 'keras.target_out_of_bounds' must start "
            "with its library 'torch.'",
            id="id-outside-its-library",
        ),
    ],
)
def test_a_broken_entry_names_file_and_field(
    kb_dir: Path, old: str, new: str, problem: str
) -> None:
    assert old in GOOD_ENTRY
    (kb_dir / "errors.yaml").write_text(GOOD_ENTRY.replace(old, new))
    assert problems_of(kb_dir) == [problem]


def test_an_entry_without_examples_is_refused(kb_dir: Path) -> None:
    text = GOOD_ENTRY.replace('    examples: ["IndexError: Target 5 is out of bounds."]\n', "")
    (kb_dir / "errors.yaml").write_text(text)
    assert problems_of(kb_dir) == ["knowledge/errors.yaml: errors[0].examples: Field required"]


def test_the_bundled_catalogue_loads() -> None:
    ids = [entry.id for entry in load().errors]
    assert "torch.target_out_of_bounds" in ids
    assert len(ids) == len(set(ids))
