"""The registry is built from the probe catalogue, and every fact a probe sets is a known value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from knowledge.errors import KnowledgeError
from knowledge.loader import bundled_probe_catalogue, load_probe_catalogue
from knowledge.schema import Probe
from probes.api import run, run_all
from probes.registry import PROBES, RegistryError, allowed, build_registry
from probes.result import ProbeResult
from probes.target import Target

KNOWLEDGE = Path(__file__).parents[2] / "knowledge"


def _yaml(name: str) -> Any:
    return yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))


#: The probes that run the user's model, in the order a full run takes them.
MODEL_PROBES = [i for i, p in bundled_probe_catalogue().items() if "model" in p.needs]


def test_every_catalogued_probe_but_the_curve_reader_and_the_watcher_runs_on_a_target() -> None:
    assert list(PROBES) == [i for i in bundled_probe_catalogue() if i not in ("curve", "watch")]


def test_the_catalogue_loads_without_torch() -> None:
    code = (
        "import sys; from knowledge.loader import bundled_probe_catalogue; "
        "print(len(bundled_probe_catalogue()), 'torch' in sys.modules)"
    )
    python = [sys.executable, "-c", code]
    shown = subprocess.run(python, capture_output=True, text=True, check=True, cwd=KNOWLEDGE.parent)
    assert shown.stdout.split() == [str(len(bundled_probe_catalogue())), "False"]


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        pytest.param(
            ["{id: a, title: A, cost: -1, yields: [task]}"],
            "probes.yaml: probes[0].cost: Input should be greater than 0",
            id="bad-field",
        ),
        pytest.param(
            ["{id: a, title: A, cost: 1, yields: [task]}"] * 2,
            "probes.yaml: probes[1].id: 'a' is already defined in ",
            id="repeated-id",
        ),
    ],
)
def test_a_broken_catalogue_names_the_file_and_field(
    tmp_path: Path, entries: list[str], problem: str
) -> None:
    lines = "".join(f"  - {entry}\n" for entry in entries)
    (tmp_path / "probes.yaml").write_text(f"probes:\n{lines}", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_probe_catalogue(tmp_path)
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(f"{tmp_path.name}/{problem}")


def _entry(probe_id: str) -> Probe:
    return Probe(id=probe_id, title=probe_id, cost=1, yields=["task"])


def _nothing(target: Target, progress: object) -> ProbeResult:
    return ProbeResult(id="nothing", status="pass", finding="Nothing.")


def test_a_catalogue_and_functions_that_disagree_stop_the_registry_naming_the_ids() -> None:
    catalogue = {i: _entry(i) for i in ("kept", "unrun", "read_elsewhere")}
    functions = {"kept": _nothing, "uncatalogued": _nothing}
    with pytest.raises(RegistryError) as raised:
        build_registry(catalogue, functions, elsewhere=["read_elsewhere"])
    assert str(raised.value) == (
        "probe registry: no function for the catalogued probes unrun; no catalogue entry for "
        "the functions uncatalogued (see probes/registry.py)"
    )
    del catalogue["unrun"], functions["uncatalogued"]
    assert list(build_registry(catalogue, functions, elsewhere=["read_elsewhere"])) == ["kept"]


def test_a_target_with_data_only_allows_no_model_probe() -> None:
    assert [p for p in allowed(["train"]) if p in MODEL_PROBES] == []
    assert [p for p in allowed(["train", "model"]) if p in MODEL_PROBES] == [
        "output_check",
        "activations",
        "batch_independence",
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
