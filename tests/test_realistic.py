"""The realistic set in examples/realistic/: setups written to look like users' own code.

Small CNNs on image-like tensors, GRU/LSTM over sequences, EmbeddingBag text models, custom
Datasets with dict batches, DataFrames with realistic columns and train steps with schedulers,
accumulation and clipping. tests/test_examples.py trains and diagnoses every case; these checks
keep the set whole: its make-up, one listing per file, loadable targets, known cause ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.loader import bundled
from probes.target import load_target

REALISTIC = Path(__file__).resolve().parents[1] / "examples" / "realistic"
FORMS = {"tensors", "dataset", "dataloader", "dataframe"}


def _cases() -> list[dict[str, Any]]:
    text = (REALISTIC / "cases.yaml").read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = yaml.safe_load(text)["cases"]
    return cases


CASES = _cases()


def test_the_set_has_twenty_setups_with_healthy_ones_and_double_faults() -> None:
    healthy = [c for c in CASES if not c["expected"]]
    # a double fault says so first thing in its docstring, and lists both causes
    double = [
        c
        for c in CASES
        if len(c["expected"]) >= 2
        and (REALISTIC / c["file"]).read_text(encoding="utf-8").startswith('"""Two faults at once')
    ]

    assert len(CASES) >= 20
    assert len(healthy) >= 4
    assert len(double) >= 2


def test_every_file_on_disk_is_listed_once() -> None:
    on_disk = {p.name for p in REALISTIC.glob("*.py")}
    listed = [c["file"] for c in CASES]

    assert sorted(listed) == sorted(set(listed))
    assert set(listed) == on_disk


def test_every_expected_id_is_a_known_cause_and_every_form_is_known() -> None:
    known = set(bundled().causes)

    assert {cause for case in CASES for cause in case["expected"]} - known == set()
    assert {case["form"] for case in CASES} == FORMS


@pytest.mark.parametrize("case", CASES, ids=[Path(c["file"]).stem for c in CASES])
def test_every_case_loads_as_a_target(case: dict[str, Any]) -> None:
    target = load_target(str(REALISTIC / case["file"]))

    assert len(target.train_tensors()[0]) > 0
