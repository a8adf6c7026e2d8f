"""regularisation: dropout and weight decay read off the model and optimizer as built."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from probes.api import run


def _dropped(p: float) -> nn.Module:
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(p), nn.Linear(32, 3))


def test_a_plain_model_and_optimizer_have_none(cases: Any) -> None:
    result = run("regularisation", cases.classification())

    assert result.status == "pass"
    assert result.facts == {"regularisation": "none"}
    assert result.finding == "The model has no dropout and the optimizer no weight decay."


def test_a_large_weight_decay_is_strong(cases: Any) -> None:
    experiment = cases.classification(
        model=lambda: _dropped(0.5),
        optimizer=lambda p: torch.optim.Adam(p, lr=1e-3, weight_decay=1.0),
    )
    result = run("regularisation", experiment)

    assert result.status == "warn"
    assert result.facts == {"regularisation": "strong"}
    assert result.values == {
        "dropout_layers": 1,
        "largest_dropout": 0.5,
        "largest_weight_decay": 1.0,
    }
    assert result.finding == (
        "Regularisation is strong: weight decay 1 (Adam). So much can keep the model from "
        "fitting even the training data; turn it off, check that the training loss falls, "
        "then bring it back gradually (dropout 0.1 to 0.3, weight decay 1e-4 to 1e-2)."
    )


@pytest.mark.parametrize(
    ("p", "optimizer", "level"),
    [
        (0.2, lambda p: torch.optim.AdamW(p, lr=1e-3), "moderate"),  # AdamW's default 0.01
        (0.5, lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=5e-4), "moderate"),
        (0.8, lambda p: torch.optim.Adam(p, lr=1e-3), "strong"),
        (0.0, lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.5), "strong"),
        (0.0, lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.05), "strong"),
    ],
    ids=["adamw-default", "sgd-usual", "dropout-0.8", "adamw-0.5", "sgd-0.05"],
)
def test_levels_follow_the_thresholds_for_code(
    cases: Any, p: float, optimizer: Any, level: str
) -> None:
    experiment = cases.classification(model=lambda: _dropped(p), optimizer=optimizer)

    assert run("regularisation", experiment).facts == {"regularisation": level}


def test_every_setting_is_named_where_it_is(cases: Any) -> None:
    def grouped(params: Any) -> torch.optim.Optimizer:
        weights, biases = [], []
        for parameter in params:
            (biases if parameter.ndim == 1 else weights).append(parameter)
        return torch.optim.SGD(
            [{"params": weights, "weight_decay": 1e-4}, {"params": biases, "weight_decay": 0.0}],
            lr=0.1,
        )

    experiment = cases.classification(model=lambda: _dropped(0.3), optimizer=grouped)
    result = run("regularisation", experiment)

    assert result.finding == (
        "Regularisation is at usual strengths: dropout 0.3 (layer 2), weight decay 0.0001 "
        "(SGD group 0)."
    )
