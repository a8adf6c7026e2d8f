"""assistant.notebook.watch(): the training code a notebook already has, watched in place."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from assistant.notebook import watch


def _train(clear: bool, epochs: int = 100) -> None:
    torch.manual_seed(0)
    X = torch.randn(512, 8)
    y = (X @ torch.linspace(-1, 1, 8) > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(epochs):
        for start in range(0, 512, 64):
            if clear:
                optimizer.zero_grad()
            nn.functional.cross_entropy(
                model(X[start : start + 64]), y[start : start + 64]
            ).backward()
            optimizer.step()


def test_the_with_block_ends_quietly_after_the_steps_asked() -> None:
    with watch(steps=20) as watched:
        _train(clear=True)
    assert watched.result.values["steps"] == 20


def test_a_loop_without_zero_grad_is_diagnosed_from_what_it_did() -> None:
    with watch(steps=40) as watched:
        _train(clear=False)
    outcome = watched.diagnose(say="my loss goes up and down wildly")
    assert outcome.causes[0].id == "train.missing_zero_grad"
    assert outcome.probes[0].id == "watch"
    assert outcome.notes == ["unstuck watched 40 optimizer steps of the code in the with block."]


def test_the_users_own_error_still_shows_and_is_read() -> None:
    def train() -> None:
        model = nn.Linear(4, 3)
        nn.functional.cross_entropy(model(torch.randn(8, 4)), torch.full((8,), 3))

    with pytest.raises(IndexError), watch() as watched:
        train()
    assert watched.error == "IndexError: Target 3 is out of bounds."
    assert watched.errors.facts["crash"] == "index_out_of_bounds"
