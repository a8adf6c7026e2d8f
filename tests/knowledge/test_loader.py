from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeError, load


def problems_of(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(root)
    return caught.value.problems


def test_fixture_loads(kb_dir: Path) -> None:
    kb = load(kb_dir)
    assert sorted(kb.causes) == [
        "eval.actually_fine",
        "model.output_activation",
        "train.lr_too_high",
    ]
    assert kb.questions_for("task")[0].id == "ask_task"
    assert kb.origin["causes:train.lr_too_high"] == "knowledge/causes/all.yaml"
    assert kb.thresholds.found_at == 0.5
    assert [c.id for c in kb.causes.values() if c.means_nothing_wrong] == ["eval.actually_fine"]


def test_bundled_knowledge_base_loads() -> None:
    kb = load()
    assert kb.causes and kb.facts and kb.questions


def test_likelihood_outside_unit_interval_names_file_and_field(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(path.read_text().replace('{"yes": 0.9}', '{"yes": 1.7}'))
    assert problems_of(kb_dir) == [
        "knowledge/causes/all.yaml: causes[0].likelihoods: "
        "output_range_mismatch.yes: must be in [0, 1], got 1.7"
    ]


def test_unknown_fact_reference_names_the_entry(kb_dir: Path) -> None:
    path = kb_dir / "questions.yaml"
    path.write_text(path.read_text().replace("fact: learning_rate", "fact: learning_rat"))
    assert problems_of(kb_dir) == [
        "knowledge/questions.yaml: questions[1].fact: unknown fact 'learning_rat'",
        "knowledge/questions.yaml: questions[1].choices[0].value: unknown fact 'learning_rat'",
        "knowledge/questions.yaml: questions[1].choices[1].value: unknown fact 'learning_rat'",
    ]


def test_value_not_of_the_fact_lists_the_allowed_ones(kb_dir: Path) -> None:
    path = kb_dir / "rules.yaml"
    path.write_text(
        path.read_text().replace("output_activation: [softmax]", "output_activation: [sigmoid]")
    )
    assert problems_of(kb_dir) == [
        "knowledge/rules.yaml: rules[0].when.output_activation: 'sigmoid' is not a value of "
        "fact 'output_activation' (one of: none, softmax)"
    ]


def test_broken_yaml_reports_line_and_column(kb_dir: Path) -> None:
    (kb_dir / "probes.yaml").write_text("probes:\n  - {id: x, title: [unclosed\n")
    (problem,) = problems_of(kb_dir)
    assert problem.startswith("knowledge/probes.yaml: not valid YAML (line 3, column 1)")


def test_unsafe_yaml_tags_are_refused(kb_dir: Path) -> None:
    (kb_dir / "probes.yaml").write_text("probes: !!python/object/apply:os.system ['true']\n")
    (problem,) = problems_of(kb_dir)
    assert problem.startswith("knowledge/probes.yaml: not valid YAML")


def test_missing_field_and_extra_field(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    text = path.read_text().replace("    title: Learning rate too high\n", "")
    path.write_text(text.replace("    prior: 0.1\n", "    prior: 0.1\n    priority: 3\n", 1))
    assert problems_of(kb_dir) == [
        "knowledge/causes/all.yaml: causes[0].priority: Extra inputs are not permitted",
        "knowledge/causes/all.yaml: causes[1].title: Field required",
    ]


def test_duplicate_ids_name_both_places(kb_dir: Path) -> None:
    (kb_dir / "causes" / "more.yaml").write_text(
        (kb_dir / "causes" / "all.yaml").read_text().split("  - id: train.lr_too_high")[0]
    )
    assert problems_of(kb_dir) == [
        "knowledge/causes/more.yaml: causes[0].id: 'model.output_activation' is already "
        "defined in knowledge/causes/all.yaml"
    ]


def test_every_problem_is_reported_at_once(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(path.read_text().replace("prior: 0.1", "prior: 2"))
    assert len(problems_of(kb_dir)) == 3


def test_missing_file_is_a_problem(kb_dir: Path) -> None:
    (kb_dir / "rules.yaml").unlink()
    assert problems_of(kb_dir) == ["knowledge/rules.yaml: file is missing"]


def test_missing_thresholds_file_is_a_problem(kb_dir: Path) -> None:
    (kb_dir / "thresholds.yaml").unlink()
    assert problems_of(kb_dir) == ["knowledge/thresholds.yaml: file is missing"]


def test_threshold_out_of_range_names_file_and_field(kb_dir: Path) -> None:
    path = kb_dir / "thresholds.yaml"
    text = path.read_text().replace("found_at: 0.5", "found_at: 1.5")
    path.write_text(text.replace("evidence_ratio: 1.5", "evidence_ratio: 0.8"))
    assert problems_of(kb_dir) == [
        "knowledge/thresholds.yaml: thresholds.found_at: Input should be less than 1",
        "knowledge/thresholds.yaml: thresholds.evidence_ratio: Input should be greater than 1",
    ]


def test_bad_regular_expression_in_phrase(kb_dir: Path) -> None:
    path = kb_dir / "phrases.yaml"
    path.write_text(path.read_text().replace(r"'\bnan\b'", "'(nan'"))
    (problem,) = problems_of(kb_dir)
    assert problem.startswith(
        "knowledge/phrases.yaml: phrases[0].pattern: not a valid regular expression:"
    )


def test_family_prefix_must_match(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(path.read_text().replace("family: train", "family: data"))
    assert problems_of(kb_dir) == [
        "knowledge/causes/all.yaml: causes[1].id: 'train.lr_too_high' must start with its "
        "family 'data.'"
    ]


def test_error_message_counts_problems(kb_dir: Path) -> None:
    (kb_dir / "rules.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"^the knowledge base has 1 problem:\n  knowledge/"):
        load(kb_dir)


def test_a_cause_shown_by_an_unknown_fact_names_the_field(kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(
        path.read_text().replace("family: train\n", "family: train\n    shown_by: [lr]\n")
    )
    assert problems_of(kb_dir) == [
        "knowledge/causes/all.yaml: causes[1].shown_by[0]: unknown fact 'lr'"
    ]
