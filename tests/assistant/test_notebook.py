"""The notebook API on objects in memory."""

from __future__ import annotations

import torch
from torch import nn

from assistant.notebook import diagnose


def softmax_regression() -> dict[str, object]:
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(128, 1, generator=generator) * 80 - 40
    return {
        "model": lambda: nn.Sequential(nn.Linear(1, 1), nn.Softmax(dim=1)),
        "train": (x, x * 1.8 + 32),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=0.01),
    }


def test_diagnose_objects_in_memory_finds_the_output_activation() -> None:
    experiment = softmax_regression()
    x_before = experiment["train"][0].clone()  # type: ignore[index]
    outcome = diagnose(experiment, say="the loss does not go down")
    assert outcome.found[0] == "model.output_activation"
    assert any(p.id == "output_check" and p.status == "fail" for p in outcome.probes)
    assert torch.equal(experiment["train"][0], x_before)  # type: ignore[index]


def test_diagnose_without_objects_uses_words_alone() -> None:
    outcome = diagnose(say="my loss is nan after 3 epochs")
    assert outcome.probes == []
    assert outcome.steps[0].id == "loss_trend"
