"""The held-out set in examples/holdout/: every case is a valid target labelled with known causes.

The set measures unstuck on setups written after the knowledge base
(``benchmarks/case_library.py --cases examples/holdout/cases.yaml``), so its diagnoses are not
asserted here: a miss is a finding, not a failing test. It is not wholly unseen any more: two
of its misses (``cnn_raw_pixels``, ``python_list_layers``) drove general fixes, so those two
are in-sample and the other ten are the unseen part. These checks only keep the set from
rotting: each file loads through the same target loader ``unstuck diagnose`` uses, and each
expected id is a cause the knowledge base knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.loader import bundled
from probes.target import load_target

HOLDOUT = Path(__file__).resolve().parents[1] / "examples" / "holdout"
FORMS = {"tensors", "arrays", "dataset", "dataloader", "dataframe"}


def _cases() -> list[dict[str, Any]]:
    text = (HOLDOUT / "cases.yaml").read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = yaml.safe_load(text)["cases"]
    return cases


CASES = _cases()


def test_the_set_has_ten_broken_and_two_healthy_cases() -> None:
    broken = [c for c in CASES if c["expected"]]

    assert (len(broken), len(CASES) - len(broken)) == (10, 2)


def test_the_cases_fixes_were_tuned_on_are_marked() -> None:
    calibrated = {Path(c["file"]).stem for c in CASES if c.get("calibrated")}

    assert calibrated == {"cnn_raw_pixels", "python_list_layers"}


def test_every_file_on_disk_is_listed_once() -> None:
    on_disk = {p.name for p in HOLDOUT.glob("*.py")}
    listed = [c["file"] for c in CASES]

    assert sorted(listed) == sorted(set(listed))
    assert set(listed) == on_disk


def test_every_expected_id_is_a_known_cause() -> None:
    known = set(bundled().causes)
    expected = {cause for case in CASES for cause in case["expected"]}

    assert expected - known == set()


@pytest.mark.parametrize("case", CASES, ids=lambda case: Path(case["file"]).stem)
def test_case_loads_as_a_valid_target(case: dict[str, Any]) -> None:
    target = load_target(str(HOLDOUT / case["file"]))
    inputs, targets = target.train_tensors()

    assert case["form"] in FORMS
    assert case["description"].strip()
    assert len(inputs) == len(targets) > 0
    assert target.valid_tensors() is not None
    assert target.model() is not None
