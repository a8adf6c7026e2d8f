"""Pasted errors and warnings, read against knowledge/errors.yaml.

Where the library is installed, the message is the one it really raises: the test triggers
it and reads what comes out. The CUDA, Keras and TensorFlow texts come from their sources and
are checked against the catalogue's patterns by the loader (every entry's examples must
match), and read here once each.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from assistant.core.reading.errors import ErrorCatalogue, read_errors
from knowledge.loader import bundled


def raised(action: Callable[[], object]) -> str:
    """The message ``action`` raises (or warns), as a traceback's last line shows it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            action()
        except Exception as error:  # the point is to read whatever the library raises
            return f"{type(error).__name__}: {error}"
    assert caught, "the action neither raised nor warned"
    return f"{caught[0].category.__name__}: {caught[0].message}"


def _anomaly_nan() -> None:
    with torch.autograd.detect_anomaly():
        x = torch.tensor([-1.0], requires_grad=True)
        torch.sqrt(x).sum().backward()


def _sklearn_fit(x: object, y: object, **options: object) -> None:
    from sklearn.linear_model import LogisticRegression

    LogisticRegression(**options).fit(x, y)


def _not_converged() -> None:
    rng = np.random.RandomState(0)
    x = rng.randn(200, 5) * 1000
    y = (x[:, 0] + rng.randn(200) * 2000 > 0).astype(int)
    _sklearn_fit(x, y, max_iter=5)


def _scheduler_first() -> None:
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    torch.optim.lr_scheduler.StepLR(optimizer, step_size=1).step()


REAL = [
    pytest.param(
        lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 2, 5])),
        {"crash": "index_out_of_bounds", "labels_in_range": "no"},
        id="target-out-of-bounds",
    ),
    pytest.param(
        lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0.0, 1, 2, 1])),
        {"crash": "dtype_mismatch", "label_format": "float_classes"},
        id="float-class-labels",
    ),
    pytest.param(
        lambda: nn.Linear(3, 2)(torch.randn(4, 3, dtype=torch.float64)),
        {"crash": "dtype_mismatch"},
        id="double-input-float-weights",
    ),
    pytest.param(
        lambda: nn.MSELoss()(torch.randn(4, 1), torch.randn(4)),
        {"shape_warning": "yes", "broadcast_mismatch": "yes"},
        id="broadcast-warning",
    ),
    pytest.param(
        lambda: nn.BCEWithLogitsLoss()(torch.randn(4, 1), torch.rand(4)),
        {"crash": "size_mismatch"},
        id="bce-target-size",
    ),
    pytest.param(
        lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([0, 1, 2])),
        {"crash": "size_mismatch"},
        id="batch-size-mismatch",
    ),
    pytest.param(
        lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.tensor([[0], [1], [2], [1]])),
        {"crash": "size_mismatch"},
        id="multi-target",
    ),
    pytest.param(
        lambda: torch.randn(4, 3) + torch.randn(4, 2),
        {"crash": "size_mismatch"},
        id="tensor-sizes",
    ),
    pytest.param(
        lambda: nn.Linear(3, 2)(torch.randn(4, 5)),
        {"crash": "shape_mismatch"},
        id="mat1-mat2",
    ),
    pytest.param(
        lambda: nn.CrossEntropyLoss()(torch.randn(4, 3), torch.eye(3)[[0, 1, 2, 0]].long()),
        {"crash": "dtype_mismatch", "label_format": "one_hot"},
        id="one-hot-long-target",
    ),
    pytest.param(lambda: torch.randn(4, 3).view(5, -1), {"crash": "shape_mismatch"}, id="bad-view"),
    pytest.param(
        lambda: nn.Conv2d(3, 8, 3)(torch.randn(2, 1, 8, 8)),
        {"crash": "shape_mismatch"},
        id="conv-channels",
    ),
    pytest.param(
        lambda: torch.randn(3).sum().backward(),
        {"params_without_grad": "yes"},
        id="no-grad-fn",
    ),
    pytest.param(
        lambda: nn.BCELoss()(torch.randn(4) * 5, torch.rand(4)),
        {"loss_function": "bce", "loss_task_fit": "mismatch"},
        id="bce-input-range",
    ),
    pytest.param(_anomaly_nan, {"nonfinite_values": "yes", "loss_trend": "nan"}, id="anomaly"),
    pytest.param(lambda: np.ones((3, 2)) + np.ones((3, 3)), {"crash": "size_mismatch"}, id="numpy"),
    pytest.param(
        lambda: _sklearn_fit(np.array([[1.0, np.nan], [2, 3]]), [0, 1]),
        {"missing_values": "some"},
        id="sklearn-nan",
    ),
    pytest.param(
        lambda: _sklearn_fit(np.array([[1.0, np.inf], [2, 3]]), [0, 1]),
        {"missing_values": "some"},
        id="sklearn-inf",
    ),
    pytest.param(
        lambda: _sklearn_fit(np.array([["male", 1], ["female", 3]], dtype=object), [0, 1]),
        {"categoricals": "raw_codes"},
        id="sklearn-strings",
    ),
    pytest.param(
        lambda: _sklearn_fit(np.array([[1.0, 2], [2, 3]]), [0.5, 1.2]),
        {"task": "regression", "loss_task_fit": "mismatch"},
        id="sklearn-continuous-labels",
    ),
    pytest.param(_not_converged, {"epochs": "few"}, id="sklearn-convergence"),
    pytest.param(
        lambda: torch.nn.functional.softmax(torch.randn(2, 3)),
        {"output_activation": "softmax"},
        id="softmax-without-dim",
    ),
    pytest.param(_scheduler_first, {"lr_schedule": "library"}, id="scheduler-before-optimizer"),
    pytest.param(lambda: np.exp(np.array([1000.0])), {"nonfinite_values": "yes"}, id="overflow"),
    pytest.param(lambda: np.log(np.array([0.0])), {"nonfinite_values": "yes"}, id="log-of-zero"),
    pytest.param(
        lambda: nn.BatchNorm1d(4)(torch.randn(1, 4)), {"crash": "other"}, id="batchnorm-one"
    ),
]


@pytest.mark.parametrize(("action", "facts"), REAL)
def test_the_real_message_reads_as_its_facts(
    action: Callable[[], object], facts: dict[str, str]
) -> None:
    assert read_errors(raised(action)).facts == facts


FROM_SOURCE = [
    pytest.param(
        "../aten/src/ATen/native/cuda/Loss.cu:245: nll_loss_forward_reduce_cuda_kernel_2d: "
        "block: [0,0,0], thread: [0,0,0] Assertion `t >= 0 && t < n_classes` failed.",
        {"crash": "index_out_of_bounds", "labels_in_range": "no"},
        id="cuda-assertion",
    ),
    pytest.param(
        "RuntimeError: CUDA error: device-side assert triggered\nCUDA kernel errors might be "
        "asynchronously reported at some other API call.",
        {"crash": "index_out_of_bounds"},
        id="device-side-assert",
    ),
    pytest.param(
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a "
        "total capacity of 79.15 GiB of which 1.19 GiB is free.",
        {"crash": "out_of_memory"},
        id="cuda-oom",
    ),
    pytest.param(
        "RuntimeError: Expected all tensors to be on the same device, but found at least two "
        "devices, cuda:0 and cpu!",
        {"crash": "other"},
        id="same-device",
    ),
    pytest.param(
        "ValueError: `logits` and `labels` must have the same shape, received ((None, 10) vs "
        "(None, 1)).",
        {"crash": "size_mismatch"},
        id="keras-logits-labels",
    ),
    pytest.param(
        "InvalidArgumentError: Received a label value of 10 which is outside the valid range "
        "of [0, 10).  Label values: 3 7 10 1",
        {"crash": "index_out_of_bounds", "labels_in_range": "no"},
        id="tensorflow-label-range",
    ),
    pytest.param(
        "RuntimeError: expected scalar type Long but found Float",
        {"crash": "dtype_mismatch", "label_format": "float_classes"},
        id="older-torch-long-float",
    ),
    pytest.param(
        "RuntimeError: Found dtype Long but expected Float",
        {"crash": "dtype_mismatch"},
        id="long-where-float-expected",
    ),
    pytest.param(
        "WARNING:tensorflow:Gradients do not exist for variables ['dense_1/kernel:0'] when "
        "minimizing the loss. If you're using `model.compile()`, did you forget to provide a "
        "`loss` argument?",
        {"params_without_grad": "yes"},
        id="tensorflow-no-gradients",
    ),
    pytest.param(
        "ValueError: Failed to convert a NumPy array to a Tensor (Unsupported object type float).",
        {"categoricals": "raw_codes"},
        id="tensorflow-object-array",
    ),
]


@pytest.mark.parametrize(("text", "facts"), FROM_SOURCE)
def test_messages_from_the_libraries_sources(text: str, facts: dict[str, str]) -> None:
    assert read_errors(text).facts == facts


def test_every_fact_the_catalogue_sets_is_in_the_knowledge_base() -> None:
    kb = bundled()
    for entry in kb.errors:
        for fact, value in entry.sets.items():
            assert value in kb.facts[fact].values, entry.id


def test_evidence_quotes_the_message_with_its_line() -> None:
    text = (
        "Training crashes right away:\n"
        "Traceback (most recent call last):\n"
        '  File "train.py", line 40, in <module>\n'
        "    loss = criterion(out, masks)\n"
        "IndexError: Target 192 is out of bounds.\n"
    )
    reading = read_errors(text)
    assert reading.evidence["crash"] == "line 5: IndexError: Target 192 is out of bounds."
    assert reading.matched == ["torch.target_out_of_bounds"]


def test_a_message_inside_prose_is_quoted_to_the_end_of_its_sentence() -> None:
    text = (
        "It crashes with: IndexError: Target 192 is out of bounds. The older version with "
        "BCEWithLogitsLoss used to run."
    )
    assert read_errors(text).evidence["crash"] == (
        "line 1: IndexError: Target 192 is out of bounds."
    )


def test_the_specific_message_sets_a_fact_before_the_general_one() -> None:
    text = (
        "RuntimeError: CUDA error: device-side assert triggered\n"
        "Loss.cu:245: Assertion `t >= 0 && t < n_classes` failed."
    )
    reading = read_errors(text)
    assert reading.facts == {"crash": "index_out_of_bounds", "labels_in_range": "no"}
    assert reading.matched == ["cuda.device_side_assert", "torch.target_out_of_bounds"]


def test_words_without_a_message_read_nothing() -> None:
    reading = read_errors("my model does not learn, the loss is flat at 0.69")
    assert reading.facts == {} and reading.notes == []


def test_confusable_characters_are_normalised() -> None:
    # full-width letters, as some chat clients and PDFs paste them
    text = "ＩｎｄｅｘＥｒｒｏｒ: Ｔａｒｇｅｔ 5 is out of bounds."
    assert read_errors(text).facts["crash"] == "index_out_of_bounds"


def test_a_huge_paste_is_read_at_both_ends_and_says_so() -> None:
    log = "epoch 1 loss 0.5\n" * 60_000 + "RuntimeError: CUDA out of memory. Tried to allocate"
    reading = read_errors(log)
    assert reading.facts == {"crash": "out_of_memory"}
    assert reading.notes == [
        "The paste is long (60,001 lines, 1,020,051 characters), so I read part of it: error "
        "messages in its first 20,000 and last 50,000 characters. If what matters is elsewhere "
        "in it, paste that part on its own."
    ]


def test_a_catalogue_can_be_given() -> None:
    catalogue = ErrorCatalogue([])
    assert read_errors("IndexError: Target 5 is out of bounds.", catalogue=catalogue).facts == {}
