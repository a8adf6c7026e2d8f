"""The order check: a model that pools over positions is order-blind; ordinary layers are not."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from probes.api import run
from probes.model.order import OrderBlindness, order_blind_axis

STEPS = 24


class StepAverager(nn.Module):
    """Embeds each time step on its own and averages the embeddings: blind to their order."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(1, 16), nn.ReLU())
        self.classify = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.embed(x.unsqueeze(-1)).mean(dim=1))


class LastStepGRU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(1, 16, batch_first=True)
        self.out = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(x.unsqueeze(-1))[0][:, -1])


class TokenAverager(nn.Module):
    """A transformer encoder over token embeddings, with or without positional encodings."""

    def __init__(self, positions: bool) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.encode = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.positions = nn.Parameter(torch.randn(1, 12, 16)) if positions else None
        self.out = nn.Linear(16, 2)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        hidden = self.embed(tokens)
        if self.positions is not None:
            hidden = hidden + self.positions
        return self.out(self.encode(hidden).mean(dim=1))


def conv1d(kernel: int) -> nn.Module:
    return nn.Sequential(
        nn.Unflatten(1, (1, STEPS)),
        nn.Conv1d(1, 8, kernel),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(8, 2),
    )


def sequences(rows: int = 64) -> torch.Tensor:
    return torch.randn(rows, STEPS, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    ("build", "inputs", "blind"),
    [
        pytest.param(StepAverager, sequences(), OrderBlindness(1, STEPS), id="step-averager"),
        pytest.param(lambda: conv1d(1), sequences(), OrderBlindness(1, STEPS), id="pointwise"),
        pytest.param(
            lambda: TokenAverager(positions=False),
            torch.randint(0, 50, (32, 12), generator=torch.Generator().manual_seed(0)),
            OrderBlindness(1, 12),
            id="transformer-without-positions",
        ),
        pytest.param(
            lambda: TokenAverager(positions=True),
            torch.randint(0, 50, (32, 12), generator=torch.Generator().manual_seed(0)),
            None,
            id="transformer-with-positions",
        ),
        pytest.param(
            lambda: nn.Sequential(nn.Linear(STEPS, 32), nn.ReLU(), nn.Linear(32, 2)),
            sequences(),
            None,
            id="mlp",
        ),
        pytest.param(LastStepGRU, sequences(), None, id="gru"),
        pytest.param(lambda: conv1d(3), sequences(), None, id="conv1d"),
        pytest.param(
            lambda: nn.Sequential(
                nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()
            ),
            torch.randn(16, 1, 12, 12, generator=torch.Generator().manual_seed(0)),
            None,
            id="cnn",
        ),
    ],
)
def test_order_blind_axis(build: Any, inputs: torch.Tensor, blind: OrderBlindness | None) -> None:
    torch.manual_seed(0)

    assert order_blind_axis(build(), inputs) == blind


def test_a_model_that_ignores_its_input_is_not_called_order_blind() -> None:
    class Constant(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.bias.expand(len(x), 2)

    assert order_blind_axis(Constant(), sequences()) is None


def test_the_check_leaves_the_model_in_its_mode() -> None:
    model = StepAverager()
    model.train()

    order_blind_axis(model, sequences())

    assert model.training


def test_activations_report_a_model_blind_to_the_order_of_time_steps() -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.sort(torch.randn(300, STEPS, generator=generator), dim=1).values
    rising = torch.randint(0, 2, (300,), generator=generator)
    x = torch.where(rising.unsqueeze(1).bool(), x, x.flip(1))
    experiment = {
        "model": StepAverager,
        "train": (x, rising),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
    }

    result = run("activations", experiment)

    assert result.facts["order_blind"] == "yes"
    assert result.status == "warn"
    assert result.values["order_blind_axis"] == 1
    assert result.finding == (
        "No dead, saturated or non-finite activations; hidden layers use ReLU. Shuffling the 24 "
        "positions along input axis 1 leaves every output unchanged, so the model cannot see "
        "their order (it pools over them, for example by averaging time steps): if the order "
        "matters, use a layer that sees it, such as a 1-D convolution, an LSTM or GRU, or "
        "positional encodings."
    )


def test_weights_that_all_start_equal_are_not_taken_for_an_order_blind_design(
    cases: Any,
) -> None:
    def constant() -> nn.Module:
        model = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 3))
        for layer in (model[0], model[2]):
            nn.init.constant_(layer.weight, 0.1)
        return model

    result = run("activations", cases.classification(model=constant))

    assert result.facts["init_scheme"] == "custom_constant"
    assert result.facts["order_blind"] == "no"
