"""The runner: probes in a child process, with time limits, cancelling, progress, and every
failure of the user's code reported as a result rather than raised."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from probes.errors import TargetError
from probes.progress import Progress
from probes.runner import close_workers, inspect_target, run_probe, run_probes

HEALTHY = """
def experiment():
    return {"model": mlp, "train": (X, Y), "loss": nn.CrossEntropyLoss(), "optimizer": adam}
"""


@pytest.fixture(autouse=True)
def no_warm_workers() -> Iterator[None]:
    yield
    close_workers()


def test_inspect_names_the_keys_task_and_model(cases: Any, tmp_path: Path) -> None:
    spec = cases.target_file(tmp_path, HEALTHY)
    info = inspect_target(spec)
    assert info.source == f"{spec}:experiment"
    assert info.keys == ["loss", "model", "optimizer", "train"]
    assert info.task == "binary"
    assert info.summary == (
        "model Sequential (146 parameters); 200 training examples; task binary; loss "
        "CrossEntropyLoss; optimizer Adam (lr 1e-3)"
    )


def test_a_suite_runs_in_one_worker_with_progress(cases: Any, tmp_path: Path) -> None:
    spec = cases.target_file(tmp_path, HEALTHY)
    events: list[Progress] = []
    results = run_probes(
        spec, ["output_check", "init_loss", "gradients"], on_progress=events.append
    )
    assert [(r.id, r.status) for r in results] == [
        ("output_check", "pass"),
        ("init_loss", "pass"),
        ("gradients", "pass"),
    ]
    assert {e.probe for e in events} == {"output_check", "init_loss", "gradients"}
    assert all(r.seconds > 0 for r in results)


def test_a_forward_pass_that_raises_names_the_layer_and_shapes(cases: Any, tmp_path: Path) -> None:
    body = """
def experiment():
    model = lambda: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(12, 2))
    return {"model": model, "train": (X, Y), "loss": nn.CrossEntropyLoss()}
"""
    result = run_probe(cases.target_file(tmp_path, body), "init_loss")
    assert result.status == "error"
    assert result.id == "init_loss"
    assert result.finding == (
        "The forward pass failed in layer '2' (Linear) on input of shape [200, 16]: "
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (200x16 and 12x2)."
    )


def test_a_probe_over_its_time_limit_is_stopped_and_the_next_runs(
    cases: Any, tmp_path: Path
) -> None:
    body = """
import time

class Slow(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp()

    def forward(self, x):
        if len(x) == 64:
            time.sleep(30)
        return self.net(x)

def experiment():
    return {"model": Slow, "train": (X, Y), "loss": nn.CrossEntropyLoss(), "optimizer": adam}
"""
    spec = cases.target_file(tmp_path, body)
    results = run_probes(spec, ["gradients", "init_loss"], timeout=1.5)
    assert results[0].status == "error"
    assert results[0].finding == "The probe did not finish within 1.5 s and was stopped."
    assert results[1].status == "pass"


def test_a_target_that_hangs_on_import_is_reported(cases: Any, tmp_path: Path) -> None:
    spec = cases.target_file(tmp_path, "import time\ntime.sleep(60)\n")
    with pytest.raises(TargetError) as raised:
        inspect_target(spec, timeout=1.0)
    assert str(raised.value) == (
        f"loading the target '{spec}' did not finish within 1 s: importing the file or calling "
        "its function hangs. Move slow work (downloads, training) out of the import and of the "
        "function"
    )
    result = run_probe(spec, "init_loss", load_timeout=1.0)
    assert result.status == "error"
    assert result.finding.startswith(f"Loading the target '{spec}' did not finish within 1 s")


def test_a_target_that_raises_on_import_is_an_error_result(cases: Any, tmp_path: Path) -> None:
    spec = cases.target_file(tmp_path, "raise RuntimeError('no GPU quota left')\n")
    result = run_probe(spec, "init_loss")
    assert result.status == "error"
    assert result.finding == f"Importing '{spec}' raised RuntimeError: no GPU quota left (line 15)."


def test_a_nonexistent_path_is_an_error_result(tmp_path: Path) -> None:
    spec = str(tmp_path / "missing.py")
    [result] = run_probes(spec, ["init_loss"])
    assert result.finding == (
        f"No target file at '{spec}': the path does not exist. Give a Python file that defines "
        "experiment(), as path/to/file.py or path/to/file.py:function."
    )


def test_a_crash_of_the_interpreter_is_a_result(cases: Any, tmp_path: Path) -> None:
    body = """
import os

class Crash(nn.Module):
    def forward(self, x):
        os._exit(3)

def experiment():
    return {"model": Crash, "train": (X, Y), "loss": nn.CrossEntropyLoss()}
"""
    result = run_probe(cases.target_file(tmp_path, body), "init_loss")
    assert result.status == "error"
    assert result.finding == (
        "The probe's process ended unexpectedly (exit code 3): the model, its data or a library "
        "crashed the Python interpreter."
    )


def test_a_running_probe_can_be_cancelled(cases: Any, tmp_path: Path) -> None:
    body = """
import time

class Slow(nn.Module):
    def forward(self, x):
        time.sleep(30)

def experiment():
    return {"model": Slow, "train": (X, Y), "loss": nn.CrossEntropyLoss()}
"""
    spec = cases.target_file(tmp_path, body)
    inspect_target(spec)
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    results = run_probes(spec, ["init_loss", "output_check"], cancel=cancel)
    assert [r.finding for r in results] == ["Cancelled.", "Cancelled before it started."]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_cuda_model_without_a_gpu_is_a_clear_error(cases: Any, tmp_path: Path) -> None:
    body = """
def experiment():
    return {"model": lambda: mlp().cuda(), "train": (X, Y), "loss": nn.CrossEntropyLoss()}
"""
    result = run_probe(cases.target_file(tmp_path, body), "init_loss")
    assert result.status == "error"
    assert result.finding == (
        "The model is on CUDA but this machine has no GPU: AssertionError: Torch not compiled "
        "with CUDA enabled. Run the probes where the GPU is, or build the model on the CPU when "
        "torch.cuda.is_available() is False."
    )


def test_an_empty_dataset_is_a_target_error(cases: Any, tmp_path: Path) -> None:
    body = """
def experiment():
    return {"model": mlp, "train": (X[:0], Y[:0])}
"""
    spec = cases.target_file(tmp_path, body)
    with pytest.raises(TargetError) as raised:
        inspect_target(spec)
    assert (
        str(raised.value)
        == "'train' is empty: it holds 0 examples. Give it at least one batch of data"
    )


def test_every_allowed_probe_runs_when_none_are_named(cases: Any, tmp_path: Path) -> None:
    body = """
def experiment():
    return {"model": mlp, "train": (X, Y)}
"""
    results = run_probes(cases.target_file(tmp_path, body))
    assert [r.id for r in results if r.id in ("output_check", "activations", "init_loss")] == [
        "output_check",
        "activations",
    ]


def test_a_dataloader_with_workers_loads_in_the_probe_worker(cases: Any, tmp_path: Path) -> None:
    body = """
from torch.utils.data import DataLoader, TensorDataset

def experiment():
    loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True, num_workers=2)
    return {"model": mlp, "train": loader, "loss": nn.CrossEntropyLoss(), "optimizer": adam}
"""
    result = run_probe(cases.target_file(tmp_path, body), "batch_independence")

    assert (result.status, result.values["examples"], result.values["moved"]) == ("pass", 16, 0)


def test_a_dataset_that_raises_on_some_items_is_read_around_them(
    cases: Any, tmp_path: Path
) -> None:
    body = """
from torch.utils.data import Dataset

class Scans(Dataset):
    def __len__(self):
        return len(X)

    def __getitem__(self, index):
        if index % 10 == 3:
            raise FileNotFoundError(f"scan_{index}.png is missing")
        return X[index], Y[index]

def experiment():
    return {"model": mlp, "train": Scans(), "loss": nn.CrossEntropyLoss(), "optimizer": adam}
"""
    info = inspect_target(cases.target_file(tmp_path, body))

    assert info.summary.endswith(
        "20 of 200 'train' items raised when read and were left out "
        "(item 3: FileNotFoundError: scan_3.png is missing)"
    )
