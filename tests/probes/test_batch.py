"""Batches as users hand them over: dicts from custom Datasets, items that fail to read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from probes.batch import Unreadable, readable_items, split_item
from probes.errors import TargetError
from probes.inputs import ModelInputs
from probes.target import Target


class Records(Dataset[Any]):
    """Eight features per record; ``broken`` indices raise like a missing file would."""

    def __init__(self, n: int, broken: set[int] | None = None, label_first: bool = False) -> None:
        self.inputs = torch.randn(n, 8, generator=torch.Generator().manual_seed(0))
        self.broken = broken or set()
        self.label_first = label_first

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if index in self.broken:
            raise FileNotFoundError(f"record_{index}.json is missing")
        label = torch.tensor(int(self.inputs[index, 0] > 0))
        if self.label_first:
            return {"label": label, "features": self.inputs[index]}
        return {"features": self.inputs[index], "label": label}


def _target(train: object, model: Any = None) -> Target:
    return Target.from_experiment({"model": model or (lambda: nn.Linear(8, 2)), "train": train})


class TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first, self.second = nn.Linear(3, 2), nn.Linear(2, 2)

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        return self.first(first) + self.second(second)


def test_a_dict_item_is_split_by_its_label_key_in_either_order() -> None:
    for label_first in (False, True):
        inputs, targets = _target(Records(20, label_first=label_first)).train_tensors()
        assert inputs.shape == (20, 8) and targets.shape == (20,)


def test_dict_batches_from_a_dataloader_are_split_by_name() -> None:
    loader = DataLoader(Records(20, label_first=True), batch_size=8)
    inputs, targets = _target(loader).train_tensors()
    assert (inputs.shape, targets.dtype) == ((20, 8), torch.int64)


def test_a_dict_without_a_label_key_says_which_keys_it_saw() -> None:
    with pytest.raises(TargetError) as raised:
        split_item({"pixels": torch.zeros(3), "answer": 1}, "a Dataset item")
    assert str(raised.value) == (
        "a Dataset item is a dict with keys 'pixels', 'answer' and none of them names the "
        "target; expected one of label, labels, target, targets, y, class, classes. Rename "
        "the target's key to 'label'"
    )


def test_inputs_nested_deeper_than_one_dict_are_refused_with_what_to_do() -> None:
    item = {"inputs": {"text": {"ids": torch.zeros(3)}, "mask": torch.ones(3)}, "label": 1}
    with pytest.raises(TargetError) as raised:
        split_item(item, "a Dataset item")
    assert str(raised.value) == (
        "a Dataset item nests its inputs too deep ('inputs', 'text' holding a dict of 'ids'); "
        "the probes call the model with keyword inputs from one dict. Return the input "
        "tensors side by side, as {'ids': ..., 'mask': ..., 'label': ...}, or one key holding "
        "a dict of tensors"
    )


def test_a_dict_with_only_the_label_says_the_inputs_are_missing() -> None:
    with pytest.raises(TargetError) as raised:
        split_item({"label": 1}, "a Dataset item")
    assert str(raised.value) == (
        "a Dataset item is a dict that holds only the target 'label'; expected the model's "
        "inputs beside it, such as {'features': ..., 'label': ...}"
    )


def test_items_that_raise_are_left_out_counted_and_named() -> None:
    target = _target(Records(30, broken={3, 17}))
    inputs, _ = target.train_tensors()
    assert len(inputs) == 28
    assert target.describe().endswith(
        "2 of 30 'train' items raised when read and were left out "
        "(item 3: FileNotFoundError: record_3.json is missing)"
    )


def test_a_dataset_that_raises_on_most_items_stops_with_the_first_failure() -> None:
    with pytest.raises(TargetError) as raised:
        _target(Records(30, broken=set(range(1, 30))))
    assert str(raised.value) == (
        "'train' could not be read: 7 of the first 8 items raised when read (item 1: "
        "FileNotFoundError: record_1.json is missing). Check the Dataset's __getitem__ on "
        "those indices"
    )


def test_a_dataset_whose_every_item_raises_says_so() -> None:
    with pytest.raises(TargetError) as raised:
        _target(Records(3, broken={0, 1, 2}))
    assert str(raised.value) == (
        "'train' could not be read: every one of its 3 items raised when read (item 0: "
        "FileNotFoundError: record_0.json is missing). Check the Dataset's __getitem__"
    )


def test_reading_counts_what_it_tried() -> None:
    unreadable = Unreadable()
    pairs = list(readable_items(Records(10, broken={4}), range(10), "train", unreadable))
    assert (len(pairs), unreadable.count, unreadable.tried, unreadable.indices) == (9, 1, 10, [4])


class Stream(IterableDataset[Any]):
    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        generator = torch.Generator().manual_seed(0)
        for _ in range(24):
            x = torch.randn(8, generator=generator)
            yield x, torch.tensor(int(x[0] > 0))


@pytest.mark.parametrize(
    "loader",
    [
        DataLoader(Records(24), batch_size=8, shuffle=True, num_workers=2),
        DataLoader(Stream(), batch_size=8, num_workers=2),
    ],
    ids=["map-style", "iterable"],
)
def test_a_loader_with_workers_is_read_in_this_process(loader: DataLoader[Any]) -> None:
    inputs, targets = _target(loader).train_tensors()

    assert (inputs.shape, targets.shape) == ((24, 8), (24,))
    assert loader.num_workers == 2  # the user's loader is left as it was


# --- several inputs, and the form the user's train_step gets ----------------------------------
class Orders(Dataset[Any]):
    """Dict items with two inputs; ``nested`` puts them under one 'inputs' key."""

    def __init__(self, n: int, nested: bool = False, broken: set[int] | None = None) -> None:
        generator = torch.Generator().manual_seed(0)
        self.numeric = torch.randn(n, 3, generator=generator)
        self.nested = nested
        self.broken = broken or set()

    def __len__(self) -> int:
        return len(self.numeric)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if index in self.broken:
            raise KeyError(f"order {index}")
        inputs = {"numeric": self.numeric[index], "category": torch.tensor(index % 4)}
        label = torch.tensor(int(self.numeric[index, 0] > 0))
        if self.nested:
            return {"inputs": inputs, "label": label}
        return {**inputs, "label": label}


def test_a_dict_with_several_input_keys_becomes_keyword_inputs() -> None:
    target = _target(Orders(12))
    inputs, targets = target.train_tensors()

    assert isinstance(inputs, ModelInputs)
    assert (inputs.kwargs["numeric"].shape, inputs.kwargs["category"].shape) == ((12, 3), (12,))
    batch = target.step_batch(inputs[:2], targets[:2])
    assert isinstance(batch, dict) and list(batch) == ["numeric", "category", "label"]


def test_a_dict_of_inputs_under_one_key_is_handed_to_the_step_nested_as_it_came() -> None:
    target = _target(Orders(12, nested=True))
    inputs, targets = target.train_tensors()

    batch = target.step_batch(inputs, targets)

    assert isinstance(batch, dict) and list(batch) == ["inputs", "label"]
    assert list(batch["inputs"]) == ["numeric", "category"]


def test_a_one_input_dict_is_handed_to_the_step_as_a_dict() -> None:
    target = _target(Records(10))
    inputs, targets = target.train_tensors()

    batch = target.step_batch(inputs, targets)

    assert isinstance(batch, dict) and list(batch) == ["features", "label"]
    assert torch.equal(batch["features"], inputs)


def test_a_tuple_of_inputs_with_the_label_last_becomes_positional_inputs() -> None:
    x1, x2, y = torch.randn(16, 3), torch.randn(16, 2), torch.randint(0, 2, (16,))
    loader = DataLoader(list(zip(x1, x2, y, strict=True)), batch_size=8)
    target = _target(loader, TwoInputs)
    inputs, targets = target.train_tensors()

    assert isinstance(inputs, ModelInputs) and len(inputs.args) == 2
    assert torch.equal(inputs.args[1], x2)
    assert [t.shape for t in target.step_batch(inputs, targets)] == [(16, 3), (16, 2), (16,)]


def test_entries_after_the_label_are_left_out_when_the_model_takes_one_input() -> None:
    # (x, y, weight): a one-input forward says the second entry is the label, not an input.
    x, y, weight = torch.randn(16, 8), torch.randint(0, 2, (16,)), torch.rand(16)
    loader = DataLoader(list(zip(x, y, weight, strict=True)), batch_size=8)
    target = _target(loader)
    inputs, targets = target.train_tensors()

    assert torch.equal(inputs, x) and torch.equal(targets, y)
    assert [t.shape for t in target.step_batch(inputs, targets)] == [(16, 8), (16,)]


def test_a_pair_of_input_tensors_and_labels_becomes_positional_inputs() -> None:
    x1, x2, y = torch.randn(16, 3), torch.randn(16, 2), torch.randint(0, 2, (16,))
    inputs, _ = _target(((x1, x2), y)).train_tensors()

    assert isinstance(inputs, ModelInputs) and len(inputs) == 16


def test_a_loader_with_workers_reads_several_inputs_in_this_process() -> None:
    loader = DataLoader(Orders(24), batch_size=8, num_workers=2)
    inputs, _ = _target(loader).train_tensors()

    assert isinstance(inputs, ModelInputs) and len(inputs) == 24


def test_dict_items_with_several_inputs_that_raise_are_left_out_and_counted() -> None:
    target = _target(Orders(20, broken={5}))

    assert len(target.train_tensors()[0]) == 19
    assert target.describe().endswith(
        "1 of 20 'train' items raised when read and were left out (item 5: KeyError: 'order 5')"
    )


def _pad(items: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    sequences, labels = zip(*items, strict=True)
    return nn.utils.rnn.pad_sequence(list(sequences), batch_first=True), torch.stack(labels)


class Sentences(Dataset[Any]):
    """Token ids of 2 to 9 tokens, never 0 (the padding id)."""

    def __len__(self) -> int:
        return 24

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.arange(1, 2 + index % 8), torch.tensor(index % 2)


def test_sequences_padded_per_batch_are_padded_to_the_longest_of_all() -> None:
    loader = DataLoader(Sentences(), batch_size=4, collate_fn=_pad)
    inputs, _ = _target(loader).train_tensors()

    assert isinstance(inputs, torch.Tensor) and inputs.shape == (24, 8)
    assert inputs[1].tolist() == [1, 2, 0, 0, 0, 0, 0, 0]


def test_a_dataset_of_sequences_of_different_lengths_says_to_hand_over_the_loader() -> None:
    with pytest.raises(TargetError) as raised:
        _target(Sentences())
    assert str(raised.value) == (
        "the examples in 'train' have different shapes, so they cannot be stacked into one "
        "batch: the inputs come in batches of different shapes ([1, 1], [1, 2], [1, 3], [1, 4] "
        "and 4 more) that are not padded sequences, so they cannot be joined into one batch. Hand "
        "over the DataLoader with the collate_fn that pads them (or builds EmbeddingBag "
        "offsets), so the probes see batches as the model does"
    )


def test_an_input_that_is_not_one_row_per_example_is_refused_at_load() -> None:
    batches = [((torch.zeros(5), torch.tensor([4, 1])), torch.tensor([0, 1]))]
    with pytest.raises(TargetError) as raised:
        _target(DataLoader(batches, batch_size=None))
    assert str(raised.value).startswith(
        "'train': the model's input 0 has 5 rows while the batch has 2 targets"
    )


def _tutorial_batch(items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, ...]:
    """The PyTorch text tutorial's collate_fn: (label, text, offsets), the label first."""
    labels = torch.tensor([label for _, label in items])
    lengths = torch.tensor([len(text) for text, _ in items])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
    return labels, torch.cat([text for text, _ in items]), offsets


def test_the_text_tutorials_label_first_batches_are_told_apart_by_their_offsets() -> None:
    texts = [(torch.arange(1, 3 + i % 4), i % 2) for i in range(12)]
    target = _target(DataLoader(texts, batch_size=4, collate_fn=_tutorial_batch))
    inputs, targets = target.train_tensors()

    assert isinstance(inputs, ModelInputs) and inputs.bag is not None
    assert targets.tolist() == [i % 2 for i in range(12)]
    batch = target.step_batch(inputs[:2], targets[:2])
    assert isinstance(batch, tuple) and len(batch) == 3
    label, text, offsets = batch
    assert (label.tolist(), text.tolist(), offsets.tolist()) == ([0, 1], [1, 2, 1, 2, 3], [0, 2])


def test_sorted_labels_last_are_not_taken_for_offsets() -> None:
    numeric, category = torch.randn(6, 3), torch.tensor([3, 1, 2, 0, 1, 2])
    labels = torch.tensor([0, 0, 0, 1, 1, 1])  # start at 0 and never fall, like offsets
    item = split_item((numeric, category, labels), "a DataLoader batch")

    assert item.targets is labels and item.form.kind == "flat"
