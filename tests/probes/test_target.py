"""The target: an experiment dict or file, checked key by key with messages users can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from probes.errors import TargetError
from probes.target import Target, format_lr, infer_task, load_target


def test_a_complete_experiment_gives_tensors_frames_and_an_inferred_task(cases: Any) -> None:
    target = Target.from_experiment(cases.classification())
    inputs, _ = target.train_tensors()
    assert inputs.shape == (400, 10)
    assert target.task == "multiclass"
    assert target.batch_size == 32
    assert target.keys == frozenset({"model", "train", "valid", "loss", "optimizer"})
    frame = target.train_frame()
    assert list(frame.columns)[-1] == "label"
    assert frame.shape == (400, 11)
    assert isinstance(target.model(), nn.Module)


def test_tensors_are_copies_so_probes_never_touch_the_users_data(cases: Any) -> None:
    experiment = cases.classification()
    target = Target.from_experiment(experiment)
    inputs, _ = target.train_tensors()
    inputs.zero_()
    assert experiment["train"][0].abs().sum() > 0


@pytest.mark.parametrize(
    "form",
    ["arrays", "dataset", "loader", "frame"],
)
def test_every_data_form_gives_the_same_tensors(form: str) -> None:
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.arange(20) % 2
    data: Any = {
        "arrays": (x, y),
        "dataset": TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y)),
        "loader": DataLoader(
            TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y)), batch_size=8
        ),
        "frame": pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": y}),
    }[form]
    target = Target.from_experiment({"train": data, "label": "y" if form == "frame" else None})
    inputs, labels = target.train_tensors()
    assert inputs.dtype == torch.float32
    assert torch.equal(inputs, torch.tensor(x, dtype=torch.float32))
    assert labels.tolist() == y.tolist()
    assert target.task == "binary"
    if form == "loader":
        assert target.batch_size == 8


@pytest.mark.parametrize(
    ("targets", "loss", "task"),
    [
        (torch.tensor([0, 1, 2, 1]), None, "multiclass"),
        (torch.tensor([0, 1, 1, 0]), None, "binary"),
        (torch.tensor([0.0, 1.0, 1.0, 0.0]), nn.BCEWithLogitsLoss(), "binary"),
        (torch.tensor([0.5, 1.5, 2.25, 0.0]), nn.MSELoss(), "regression"),
        (torch.tensor([1, 2, 3, 4]), nn.MSELoss(), "regression"),
        (torch.tensor([[0, 1], [1, 0]]), None, "multiclass"),
        (torch.tensor([[1.0, 1.0], [0.0, 1.0]]), nn.BCELoss(), "multilabel"),
    ],
    ids=["indices", "two-classes", "bce", "mse", "mse-integers", "one-hot", "multilabel"],
)
def test_the_task_is_inferred_from_targets_and_loss(
    targets: torch.Tensor, loss: Any, task: str
) -> None:
    assert infer_task(targets, loss) == task


def test_learning_rates_read_as_people_write_them() -> None:
    assert [format_lr(v) for v in (0.1, 0.01, 1e-3, 3e-4, 1e-7)] == [
        "0.1",
        "0.01",
        "1e-3",
        "3e-4",
        "1e-7",
    ]


# --- bad experiments: exact messages -------------------------------------------------------
def _adam_instance() -> torch.optim.Optimizer:
    return torch.optim.Adam(nn.Linear(2, 1).parameters(), lr=1e-3)


BAD_EXPERIMENTS = [
    (
        {"optimizer": "instance"},
        "'optimizer' must be a callable that takes the model's parameters and returns a "
        "torch.optim.Optimizer; got an Adam instance. Wrap it: "
        "lambda params: torch.optim.Adam(params, lr=1e-3)",
    ),
    (
        {"model": nn.Linear(10, 3)},
        "'model' must be a callable that takes no arguments and returns a fresh "
        "torch.nn.Module; got a Linear instance. Wrap it: lambda: Linear(...) (probes need a "
        "fresh model each time)",
    ),
    (
        {"loss": nn.MSELoss},
        "'loss' must be a loss module or a function (prediction, target) -> tensor; got the "
        "class MSELoss itself. Create one: MSELoss()",
    ),
    ({"batch_size": "32"}, "'batch_size' must be a positive int; got str '32'"),
    (
        {"task": "classification"},
        "'task' must be one of regression, binary, multiclass, multilabel; got 'classification'",
    ),
    (
        {"optimiser": None},
        "unknown key 'optimiser' in the experiment; expected only model, train, valid, label, "
        "loss, optimizer, task, batch_size, train_step. Did you mean 'optimizer'?",
    ),
    (
        {"train": None},
        "'train' is missing: the experiment must give its training data as (X, y) tensors or "
        "arrays, a Dataset, a DataLoader or a pandas DataFrame",
    ),
    (
        {"train": "data.csv"},
        "'train' must be (X, y) tensors or arrays, a Dataset, a DataLoader or a pandas "
        "DataFrame; got str 'data.csv'",
    ),
    (
        {"train": (torch.zeros(0, 10), torch.zeros(0))},
        "'train' is empty: it holds 0 examples. Give it at least one batch of data",
    ),
    (
        {"train": (torch.zeros(5, 10), torch.zeros(4))},
        "'train' has 5 inputs but 4 targets; X and y need one row per example",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    BAD_EXPERIMENTS,
    ids=[
        "optimizer-instance",
        "model-instance",
        "loss-class",
        "batch-size-text",
        "unknown-task",
        "misspelt-key",
        "no-train",
        "train-path",
        "empty",
        "unequal-lengths",
    ],
)
def test_a_wrong_key_names_the_key_what_was_found_and_what_was_expected(
    cases: Any, change: dict[str, Any], message: str
) -> None:
    experiment = cases.classification()
    if change.get("optimizer") == "instance":
        change = {"optimizer": _adam_instance()}
    experiment.update(change)
    with pytest.raises(TargetError) as raised:
        Target.from_experiment(experiment)
    assert str(raised.value) == message


def test_a_frame_without_a_label_lists_its_columns() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    with pytest.raises(TargetError) as raised:
        Target.from_experiment({"train": frame})
    assert str(raised.value) == (
        "'train' is a DataFrame, so 'label' must name its target column; got none. Columns: a, b"
    )
    with pytest.raises(TargetError) as raised:
        Target.from_frame(frame, label="y")
    assert (
        str(raised.value)
        == "'label' names the column 'y', which 'train' does not have; columns: a, b"
    )


def test_a_frame_keeps_its_raw_columns_for_the_data_probes() -> None:
    frame = pd.DataFrame({"colour": ["red", "blue", None], "y": ["yes", "no", "yes"]})
    target = Target.from_frame(frame, label="y")
    assert target.train_frame().equals(frame)
    with pytest.raises(TargetError) as raised:
        target.train_tensors()
    assert str(raised.value) == (
        "the label column 'y' holds str values such as 'yes', not numbers; encode the "
        "classes as integers 0..C-1 before training"
    )


# --- target files --------------------------------------------------------------------------
def test_a_target_file_loads_with_its_function_name(cases: Any, tmp_path: Path) -> None:
    path = cases.target_file(
        tmp_path,
        "def setup():\n    return {'model': mlp, 'train': (X, Y), 'loss': nn.CrossEntropyLoss()}\n",
    )
    target = load_target(f"{path}:setup")
    assert target.source == f"{path}:setup"
    assert target.task == "binary"


def test_a_nonexistent_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(TargetError) as raised:
        load_target(str(tmp_path / "nope.py"))
    assert str(raised.value) == (
        f"no target file at '{tmp_path / 'nope.py'}': the path does not exist. Give a Python "
        "file that defines experiment(), as path/to/file.py or path/to/file.py:function"
    )


def test_a_file_that_raises_on_import_names_the_error_and_line(cases: Any, tmp_path: Path) -> None:
    path = cases.target_file(tmp_path, "raise ValueError('no data here')\n")
    with pytest.raises(TargetError) as raised:
        load_target(path)
    assert str(raised.value) == f"importing '{path}' raised ValueError: no data here (line 15)"


def test_a_missing_function_lists_what_the_file_defines(cases: Any, tmp_path: Path) -> None:
    path = cases.target_file(tmp_path, "")
    with pytest.raises(TargetError) as raised:
        load_target(path)
    assert str(raised.value) == (
        f"'{path}' has no function 'experiment'; functions defined there: adam, mlp. "
        f"Define experiment() returning a dict, or name another with {path}:NAME"
    )


def test_a_function_that_returns_no_dict_says_what_it_returned(cases: Any, tmp_path: Path) -> None:
    path = cases.target_file(tmp_path, "def experiment():\n    return [X, Y]\n")
    with pytest.raises(TargetError) as raised:
        load_target(path)
    assert str(raised.value) == (
        "the experiment must be a dict of model, train, valid, label, loss, optimizer, task, "
        "batch_size, train_step; got a list"
    )
