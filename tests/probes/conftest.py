"""Tiny seeded experiments, healthy and deliberately broken, for the probe tests.

Like torch-lr-finder's ``tests/task.py``: each broken case carries exactly one fault.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

Experiment = dict[str, Any]


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread, above all on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The short fit's few seconds shrink to one in tests."""
    module = importlib.import_module("probes.model.short_fit")
    monkeypatch.setattr(module, "TIME_BUDGET", 1.0)
    monkeypatch.setattr(module, "MAX_EPOCHS", 12)


def mlp(inputs: int, outputs: int, *tail: nn.Module, hidden: int = 32) -> nn.Module:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs), *tail)


class Cases:
    """Builders of experiment dicts; every one seeded."""

    def classification(self, classes: int = 3, rows: int = 400, **overrides: Any) -> Experiment:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(rows + 100, 10, generator=generator)
        weights = torch.randn(10, classes, generator=generator)
        y = (x @ weights).argmax(dim=1)
        experiment: Experiment = {
            "model": lambda: mlp(10, classes),
            "train": (x[:rows], y[:rows]),
            "valid": (x[rows:], y[rows:]),
            "loss": nn.CrossEntropyLoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        }
        experiment.update(overrides)
        return experiment

    def regression(self, rows: int = 400, **overrides: Any) -> Experiment:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(rows + 100, 8, generator=generator)
        y = x @ torch.randn(8, 1, generator=generator) + 3.0
        experiment: Experiment = {
            "model": lambda: mlp(8, 1),
            "train": (x[:rows], y[:rows]),
            "valid": (x[rows:], y[rows:]),
            "loss": nn.MSELoss(),
            "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        }
        experiment.update(overrides)
        return experiment

    def target_file(self, folder: Path, body: str, name: str = "target.py") -> str:
        path = folder / name
        path.write_text(TARGET_HEADER + body, encoding="utf-8")
        return str(path)


TARGET_HEADER = """import torch
from torch import nn

X = torch.randn(200, 6, generator=torch.Generator().manual_seed(0))
Y = (X[:, 0] > 0).long()


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


def adam(params):
    return torch.optim.Adam(params, lr=1e-3)

"""


@pytest.fixture
def cases() -> Cases:
    return Cases()


def scaled(factory: Callable[[], nn.Module], factor: float) -> Callable[[], nn.Module]:
    """A factory whose weights are multiplied by ``factor`` (a bad initialisation)."""

    def build() -> nn.Module:
        model = factory()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.mul_(factor)
        return model

    return build


@pytest.fixture
def scale() -> Callable[..., Callable[[], nn.Module]]:
    return scaled
