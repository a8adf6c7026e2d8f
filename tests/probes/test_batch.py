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


def _target(train: object) -> Target:
    return Target.from_experiment({"model": lambda: nn.Linear(8, 2), "train": train})


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
