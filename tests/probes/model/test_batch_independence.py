"""Karpathy's batch-independence check: a model must keep the examples of a batch apart."""

from __future__ import annotations

import torch
from torch import nn

from probes.api import run
from probes.model.batch_independence import measure, mixes

STEPS, SENSORS = 12, 3


class LastStep(nn.Module):
    """A GRU over (batch, time, sensors), with or without batch_first."""

    def __init__(self, batch_first: bool) -> None:
        super().__init__()
        self.gru = nn.GRU(SENSORS, 8, batch_first=batch_first)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(x)[0][:, -1])


class ReshapeAcrossBatch(nn.Module):
    """Wants (time, batch, sensors) and gets it with reshape where permute was meant."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(SENSORS, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        by_time = x.reshape(STEPS, len(x), SENSORS)  # regroups values across examples
        return self.head(by_time.mean(dim=0))


def _windows(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, STEPS, SENSORS, generator=generator)
    return x, (x[:, :, 0].mean(dim=1) > 0).long()


def _experiment(model: type[nn.Module] | object) -> dict[str, object]:
    return {"model": model, "train": _windows()}


def test_a_gru_without_batch_first_mixes_the_examples_of_a_batch() -> None:
    result = run("batch_independence", _experiment(lambda: LastStep(batch_first=False)))

    assert result.status == "fail"
    assert result.facts == {"batch_mixing": "yes"}
    assert result.values["moved"] == 8 and result.values["examples"] == 16
    assert result.finding.startswith(
        "The model mixes examples across the batch: changing the other examples moved the "
        "output of 8 of 16 examples that stayed the same"
    )


def test_a_view_across_the_batch_axis_mixes_the_examples() -> None:
    result = run("batch_independence", _experiment(ReshapeAcrossBatch))

    assert result.facts == {"batch_mixing": "yes"}


def test_batch_first_keeps_the_examples_apart() -> None:
    result = run("batch_independence", _experiment(lambda: LastStep(batch_first=True)))

    assert result.status == "pass"
    assert result.facts == {}  # only mixing is a fact: see the probe's module
    assert result.finding == (
        "Each example's output depends on that example alone: changing the rest of the batch "
        "left all 16 outputs where they were (eval mode)."
    )


def test_batchnorm_in_training_mode_is_not_taken_for_mixing() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(STEPS * SENSORS, 8), nn.BatchNorm1d(8))
    model.train()
    x, _ = _windows(16)

    assert not mixes(measure(model, x[:8], x[8:]))
    assert model.training  # the mode it came in is restored


def test_token_ids_are_checked_too() -> None:
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, 50, (40, 10), generator=generator)
    experiment = {
        "model": lambda: nn.Sequential(nn.EmbeddingBag(50, 8), nn.Linear(8, 2)),
        "train": (tokens, tokens[:, 0] % 2),
    }

    result = run("batch_independence", experiment)

    assert (result.status, result.facts, result.values["moved"]) == ("pass", {}, 0)


def test_a_model_whose_output_ignores_its_input_is_skipped_with_the_reason() -> None:
    class Constant(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.bias.expand(len(x), 2)

    result = run("batch_independence", _experiment(Constant))

    assert (result.status, result.facts, result.values["skipped"]) == ("pass", {}, True)
    assert "moved" in result.values
    assert result.finding == (
        "Skipped: the untrained model gives the same output for every example, so whether "
        "examples mix cannot be seen."
    )
