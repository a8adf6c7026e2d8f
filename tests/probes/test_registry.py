"""The registry agrees with the knowledge base, and every fact a probe sets is a known value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from probes.api import run, run_all
from probes.model import PROBES as MODEL_PROBES
from probes.registry import NEEDS, PROBES, allowed

KNOWLEDGE = Path(__file__).parents[2] / "knowledge"


def _yaml(name: str) -> Any:
    return yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))


def test_ids_and_needs_match_the_knowledge_base() -> None:
    listed = {p["id"]: tuple(p["needs"]) for p in _yaml("probes.yaml")["probes"]}
    assert listed == NEEDS
    assert set(MODEL_PROBES) <= set(PROBES) <= set(listed)


def test_a_target_with_data_only_allows_no_model_probe() -> None:
    assert [p for p in allowed(["train"]) if p in MODEL_PROBES] == []
    assert [p for p in allowed(["train", "model"]) if p in MODEL_PROBES] == [
        "output_check",
        "activations",
    ]


def _broken_cases(cases: Any) -> list[dict[str, Any]]:
    x, y = cases.classification()["train"]
    return [
        cases.classification(),
        cases.regression(),
        cases.classification(optimizer=lambda p: torch.optim.SGD(p, lr=50.0)),
        cases.classification(train=(x, y.float()), valid=None),
        cases.classification(loss=torch.nn.NLLLoss()),
    ]


@pytest.mark.slow
def test_every_fact_a_probe_sets_is_a_value_the_knowledge_base_knows(cases: Any) -> None:
    facts = {f["id"]: set(f["values"]) for f in _yaml("facts.yaml")["facts"]}
    yields = {p["id"]: set(p["yields"]) for p in _yaml("probes.yaml")["probes"]}
    for experiment in _broken_cases(cases):
        for result in run_all(experiment, ids=[p for p in MODEL_PROBES if p != "short_fit"]):
            assert set(result.facts) <= yields[result.id], result.id
            for fact, value in result.facts.items():
                assert value in facts[fact], (result.id, fact, value)


def test_the_api_leaves_the_users_data_alone_and_builds_fresh_models(cases: Any) -> None:
    experiment = cases.classification()
    built: list[torch.nn.Module] = []
    factory = experiment["model"]
    experiment["model"] = lambda: built.append(factory()) or built[-1]
    x, y = experiment["train"]
    x_before, y_before = x.clone(), y.clone()
    run_all(experiment, ids=["gradients", "overfit_one_batch"])
    assert torch.equal(x, x_before) and torch.equal(y, y_before)
    assert len({id(model) for model in built}) == len(built) >= 2


def test_an_unknown_probe_is_an_error_result(cases: Any) -> None:
    result = run("warp_drive", cases.classification())
    assert result.status == "error"
    assert result.finding.startswith("There is no probe 'warp_drive'; known probes: output_check")


def test_a_probe_without_what_it_needs_says_so(cases: Any) -> None:
    experiment = cases.classification()
    del experiment["optimizer"]
    result = run("gradients", experiment)
    assert result.finding == (
        "This probe needs 'optimizer' in the experiment, which it does not give."
    )
