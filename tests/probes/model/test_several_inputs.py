"""Every probe on models that take several inputs: ``model(tokens, offsets)`` fed by a collate_fn
(an EmbeddingBag), and ``model(numeric=..., category=...)`` fed by a Dataset of dicts."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from probes.api import run
from probes.inputs import ModelInputs
from probes.model.common import batches, sample
from probes.registry import FUNCTIONS
from probes.target import Target

VOCAB, TOPICS, LEVELS = 60, 3, 5


class Texts(Dataset[Any]):
    """Token lists of 3 to 8 ids; one id in each names its topic."""

    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.topics = torch.randint(0, TOPICS, (n,), generator=generator)
        self.texts = []
        for topic in self.topics.tolist():
            length = int(torch.randint(3, 9, (1,), generator=generator))
            words = torch.randint(10, VOCAB, (length,), generator=generator)
            words[0] = 1 + topic
            self.texts.append(words)

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.texts[index], self.topics[index]


def collate(items: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, ...]:
    texts, labels = zip(*items, strict=True)
    lengths = torch.tensor([len(text) for text in texts])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return torch.cat(texts), offsets, torch.stack(labels)


class BagClassifier(nn.Module):
    def __init__(self, probabilities: bool = False) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(VOCAB, 8, mode="mean")
        self.head = nn.Linear(8, TOPICS)
        self.probabilities = probabilities

    def forward(self, text: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        scores = self.head(self.bag(text, offsets))
        return scores.softmax(dim=1) if self.probabilities else scores


def flat_step(model: nn.Module, batch: Any, loss: Any, optimizer: torch.optim.Optimizer) -> float:
    text, offsets, label = batch  # the form the user's collate_fn makes
    optimizer.zero_grad()
    value = loss(model(text, offsets), label)
    value.backward()
    optimizer.step()
    return float(value.item())


def bag_experiment(probabilities: bool = False) -> dict[str, Any]:
    return {
        "model": lambda: BagClassifier(probabilities),
        "train": DataLoader(Texts(160, 0), batch_size=16, collate_fn=collate),
        "valid": DataLoader(Texts(48, 1), batch_size=16, collate_fn=collate),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
        "train_step": flat_step,
    }


class Records(Dataset[Any]):
    """Three numbers and a category id per record; the label follows both."""

    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.numeric = torch.randn(n, 3, generator=generator)
        self.category = torch.randint(0, LEVELS, (n,), generator=generator)
        self.label = ((self.numeric[:, 0] + (self.category - 2).float()) > 0).long()

    def __len__(self) -> int:
        return len(self.label)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {
            "numeric": self.numeric[index],
            "category": self.category[index],
            "label": self.label[index],
        }


class TwoInputs(nn.Module):
    def __init__(self, mixes_batch: bool = False) -> None:
        super().__init__()
        self.embed = nn.Embedding(LEVELS, 2)
        self.body = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
        self.mixes_batch = mixes_batch

    def forward(self, numeric: torch.Tensor, category: torch.Tensor) -> torch.Tensor:
        if self.mixes_batch:  # a "normalisation" over the batch axis, in eval mode too
            numeric = numeric - numeric.mean(dim=0, keepdim=True)
        return self.body(torch.cat([numeric, self.embed(category)], dim=1))


def keyword_experiment(mixes_batch: bool = False) -> dict[str, Any]:
    return {
        "model": lambda: TwoInputs(mixes_batch),
        "train": Records(200, 0),
        "valid": Records(60, 1),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-2),
    }


def positional_experiment() -> dict[str, Any]:
    """The same records handed over as ((numeric, category), y) tensors."""
    records = Records(200, 0)
    experiment = keyword_experiment()
    experiment["train"] = ((records.numeric, records.category), records.label)
    del experiment["valid"]
    return experiment


SETUPS = {
    "positional-bag": bag_experiment,
    "keyword-dict": keyword_experiment,
    "positional-tuple": positional_experiment,
}
ON_TARGETS = [probe for probe in FUNCTIONS if probe != "train_step_check"]


@pytest.mark.parametrize("probe", ON_TARGETS)
@pytest.mark.parametrize("setup", SETUPS, ids=list(SETUPS))
def test_every_probe_runs_on_several_inputs(setup: str, probe: str) -> None:
    result = run(probe, SETUPS[setup]())

    assert result.status != "error", result.finding


def test_data_probes_say_why_they_skip_inputs_of_tokens_only() -> None:
    for probe in ("data_checks", "baselines"):
        result = run(probe, bag_experiment())

        assert (result.status, result.facts) == ("pass", {})
        assert result.finding == (
            f"Skipped: the {probe} probe cannot run, the model's inputs (input 0 [889] (flat, "
            "one run per example), input 1 [160] (offsets)) hold no real-valued features, only "
            "ids or tokens the model embeds, so there is no table of features to check."
        )


def test_data_probes_read_the_numbers_and_the_category_one_hot() -> None:
    result = run("data_checks", keyword_experiment())

    assert (result.facts["categoricals"], result.facts["constant_columns"]) == ("encoded", "few")
    assert result.values["columns"] == 8  # numeric_0..2 and category=0..4


def test_the_users_step_gets_batches_in_its_own_form() -> None:
    result = run("train_step_check", bag_experiment())

    assert result.status == "pass", result.finding
    assert result.facts["train_step_updates"] == "yes"


def test_a_softmax_into_cross_entropy_is_found_behind_tokens_and_offsets() -> None:
    result = run("output_check", bag_experiment(probabilities=True))

    assert (result.status, result.facts["softmax_into_ce"]) == ("fail", "yes")


def test_a_model_that_mixes_the_batch_is_found_with_keyword_inputs() -> None:
    assert run("batch_independence", keyword_experiment()).status == "pass"
    assert run("batch_independence", keyword_experiment(mixes_batch=True)).facts == {
        "batch_mixing": "yes"
    }


def test_the_order_check_claims_nothing_about_several_inputs() -> None:
    result = run("activations", bag_experiment())

    assert "order_blind" not in result.facts
    assert result.values["order_checked"] is False


class OneInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


def test_items_with_entries_after_the_label_are_read_by_the_models_own_inputs() -> None:
    class Weighted(Dataset[Any]):
        """Items (x, y, weight): the label is not last, and OneInput takes one input."""

        def __len__(self) -> int:
            return 20

        def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
            return torch.ones(3) * index, torch.tensor(index % 2), torch.tensor(1.0)

    target = Target.from_experiment({"model": OneInput, "train": Weighted()})
    inputs, targets = target.train_tensors()
    result = run("output_check", {"model": OneInput, "train": Weighted()})

    assert isinstance(inputs, torch.Tensor) and inputs.shape == (20, 3)
    assert targets.tolist() == [index % 2 for index in range(20)]
    assert result.status != "error", result.finding


@pytest.mark.parametrize("setup", SETUPS, ids=list(SETUPS))
def test_every_input_goes_to_the_device_the_model_is_on(setup: str) -> None:
    target = Target.from_experiment(SETUPS[setup]())
    meta = torch.device("meta")  # another device than the data's, without a GPU

    inputs, targets = sample(target, 8, meta)
    streamed, _ = next(batches(target, 8, meta))

    assert isinstance(inputs, ModelInputs) and isinstance(streamed, ModelInputs)
    parts = [value for _, value in [*inputs.parts(), *streamed.parts()]]
    assert {value.device for value in [*parts, targets]} == {meta}
