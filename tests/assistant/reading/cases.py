"""Texts the reader tests share: complaints with the facts they state, and hostile input."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

STORIES = Path(__file__).resolve().parents[3] / "benchmarks" / "stories.yaml"


def case(text: str, facts: dict[str, str], id: str) -> object:
    return pytest.param(text, facts, id=id)


COMPLAINTS = [
    case("my loss is stuck at 0.69", {"loss_trend": "flat", "loss_at_chance": "yes"}, "stuck-ln2"),
    case("loss doesn't go down", {"loss_trend": "flat"}, "does-not-go-down"),
    case(
        "training loss plateaus around 2.3",
        {"loss_trend": "plateau_high", "loss_at_chance": "yes"},
        "plateau-ln10",
    ),
    case("loss explodes", {"loss_trend": "diverging"}, "explodes"),
    case(
        "loss is nan after 3 epochs",
        {"loss_trend": "nan", "nan_onset": "later"},
        "nan-after-3-epochs",
    ),
    case("loss jumps around", {"loss_trend": "oscillating"}, "jumps-around"),
    case("my loss is negative", {"loss_trend": "negative"}, "negative"),
    case("the loss goes up and down", {"loss_trend": "oscillating"}, "up-and-down"),
    case("loss decreases very slowly", {"loss_trend": "slow"}, "slowly"),
    case(
        "the loss goes down for a few steps, then it goes crazy and explodes",
        {"loss_trend": "diverging"},
        "down-then-explodes",
    ),
    case(
        "loss dropped a bit in epoch 1 and then nothing",
        {"loss_trend": "plateau_high"},
        "drop-then-nothing",
    ),
    case("accuracy stays at 50%", {"accuracy_level": "chance"}, "accuracy-50"),
    case(
        "val acc 99% but it fails in production",
        {"production_gap": "yes", "accuracy_level": "high"},
        "fails-in-production",
    ),
    case("train acc 100%, val 60%", {"train_valid_gap": "large"}, "train-100-val-60"),
    case("it always predicts the same class", {"constant_predictions": "yes"}, "same-class"),
    case(
        "loss goes down but accuracy doesn't change",
        {"loss_trend": "decreasing", "metric_follows_loss": "no"},
        "metric-does-not-follow",
    ),
    case(
        "RuntimeError: Target 10 is out of bounds",
        {"crash": "index_out_of_bounds", "labels_in_range": "no"},
        "target-out-of-bounds",
    ),
    case(
        "expected scalar type Long but found Float",
        {"crash": "dtype_mismatch", "label_format": "float_classes"},
        "scalar-type",
    ),
    case(
        "UserWarning: Using a target size (torch.Size([32])) that is different to the input "
        "size (torch.Size([32, 1]))",
        {"shape_warning": "yes", "broadcast_mismatch": "yes"},
        "target-size-warning",
    ),
    case("mat1 and mat2 shapes cannot be multiplied", {"crash": "shape_mismatch"}, "mat1-mat2"),
    case("CUDA out of memory", {"crash": "out_of_memory"}, "cuda-oom"),
    case("I use Adam with lr 0.1", {"optimizer": "adam", "learning_rate": "very_high"}, "adam-0.1"),
    case("I use SGD with lr 0.1", {"optimizer": "sgd", "learning_rate": "high"}, "sgd-0.1"),
    case("lr=1e-7", {"learning_rate": "very_low"}, "lr-1e-7"),
    case("sigmoid on the output", {"output_activation": "sigmoid"}, "sigmoid-output"),
    case(
        "CrossEntropyLoss after a softmax",
        {"output_activation": "softmax", "loss_function": "cross_entropy"},
        "softmax-then-ce",
    ),
    case("regression", {"task": "regression"}, "regression"),
    case("10 classes", {"task": "multiclass"}, "ten-classes"),
    case("only 200 samples", {"dataset_size": "tiny"}, "200-samples"),
    case("95% of the labels are class 0", {"class_balance": "severe"}, "95-percent-class-0"),
    case("trained for 3 epochs", {"epochs": "few"}, "3-epochs"),
    case("a 12-layer MLP", {"depth": "deep", "architecture": "mlp"}, "deep-mlp"),
    case("I shuffle X and y separately", {"shuffling": "separately"}, "shuffled-separately"),
    case(
        "I scaled the features before the train test split",
        {"inputs_normalised": "yes", "split_method": "after_preprocessing"},
        "scaled-before-split",
    ),
    case("training with fp16 autocast", {"mixed_precision": "yes"}, "fp16"),
    case("I forgot optimizer.zero_grad()", {"zero_grad_called": "no"}, "no-zero-grad"),
    case("relu between the layers", {"hidden_activation": "relu"}, "relu-hidden"),
    case("dropout 0.5 everywhere", {"regularisation": "moderate"}, "dropout-0.5-is-usual"),
    case("dropout 0.8 after every layer", {"regularisation": "strong"}, "dropout-0.8"),
]

NEGATIONS_AND_TRAPS = [
    case("the loss is not nan", {}, "not-nan"),
    case("I do normalise", {"inputs_normalised": "yes"}, "do-normalise"),
    case("I don't normalise the inputs", {"inputs_normalised": "no"}, "do-not-normalise"),
    case("the inputs are not normalized", {"inputs_normalised": "no"}, "not-normalized"),
    case(
        "no errors, but the loss doesn't go down",
        {"crash": "none", "loss_trend": "flat"},
        "no-error-but-flat",
    ),
    case("the loss isn't stuck", {}, "not-stuck"),
    case(
        "I use batch normalization and adam",
        {"optimizer": "adam", "batchnorm": "yes"},
        "batchnorm-is-not-inputs",
    ),
    case("binary cross entropy", {"loss_function": "bce"}, "bce-is-not-the-task"),
    case(
        "sigmoid activations in the hidden layers",
        {"hidden_activation": "sigmoid_tanh"},
        "sigmoid-hidden",
    ),
    case(
        "the validation loss goes up", {"train_valid_gap": "large"}, "val-loss-up-is-not-diverging"
    ),
    case(
        "my data has NaNs in some columns",
        {"missing_values": "some", "modality": "tabular"},
        "nan-in-data",
    ),
    case("If I raise the learning rate it explodes to inf", {}, "hypothetical"),
    case(
        "logistic regression does better",
        {"model_vs_baseline": "worse"},
        "logistic-is-not-regression",
    ),
    case("I'm stuck", {}, "stuck-is-not-a-loss"),
]

NUMBERS = [
    case(
        "the loss is stuck at 2.30 with 10 classes",
        {"loss_trend": "flat", "loss_at_chance": "yes", "task": "multiclass"},
        "ln10-with-10-classes",
    ),
    case(
        "loss stuck at 0.69 with 10 classes",
        {"loss_trend": "flat", "task": "multiclass"},
        "ln2-is-not-chance-for-10-classes",
    ),
    case("loss is 0.693", {"loss_at_chance": "yes"}, "loss-0.693"),
    case("0.693", {"loss_at_chance": "yes"}, "lone-0.693"),
    case("the loss is 3.1", {}, "ln22-only-counts-when-stuck"),
    case(
        "the loss is stuck at 4.6", {"loss_trend": "flat", "loss_at_chance": "yes"}, "ln100-stuck"
    ),
    case(
        "validation accuracy is 10% with 10 classes",
        {"accuracy_level": "chance", "task": "multiclass"},
        "accuracy-10-of-10-classes",
    ),
    case("accuracy is 50% with 10 classes", {"task": "multiclass"}, "accuracy-50-of-10-classes"),
    case("roc auc 0.5", {"accuracy_level": "chance"}, "auc-0.5"),
    case("Adam, lr 3e-4", {"optimizer": "adam", "learning_rate": "normal"}, "adam-3e-4"),
    case(
        "SGD with a learning rate of 0.01",
        {"optimizer": "sgd", "learning_rate": "normal"},
        "sgd-0.01",
    ),
    case("trained for 200 epochs", {"epochs": "many"}, "200-epochs"),
    case(
        "after 300 epochs the loss is still flat",
        {"epochs": "many", "loss_trend": "flat"},
        "after-300-epochs",
    ),
    case("12k images", {"dataset_size": "medium", "modality": "image"}, "12k-images"),
    case("1.5M rows", {"dataset_size": "large"}, "1.5M-rows"),
    case("batches of 32 samples", {}, "batch-is-not-dataset"),
    case("only 5% positives", {"class_balance": "severe"}, "5-percent-positives"),
    case("the classes are 70/30", {"class_balance": "imbalanced"}, "70-30"),
    case("train loss 0.05, val loss 1.2", {"train_valid_gap": "large"}, "loss-gap"),
    case(
        "train acc 91%, val acc 90%",
        {"train_valid_gap": "none", "accuracy_level": "high"},
        "no-gap",
    ),
    # a percentage named by its split is read as the accuracy (55%, near a coin flip)
    case(
        "99% on train and 55% on test",
        {"train_valid_gap": "large", "accuracy_level": "chance"},
        "on-train-on-test",
    ),
    case(
        "AdamW with weight decay 0.01",
        {"optimizer": "adam", "regularisation": "moderate"},
        "adamw-default-decay",
    ),
    case("my labels go from 1 to 10", {"label_format": "one_based"}, "range-is-not-a-ratio"),
]

TRACEBACK_INDEX = """Traceback (most recent call last):
  File "train.py", line 42, in <module>
    loss = criterion(out, y)
  File "/venv/lib/python3.11/site-packages/torch/nn/modules/loss.py", line 1164, in forward
    return F.cross_entropy(input, target, weight=self.weight)
IndexError: Target 10 is out of bounds.
"""

TRACEBACK_SHAPES = """Traceback (most recent call last):
  File "/home/me/project/train.py", line 17, in <module>
    out = model(x)
  File "/venv/lib/python3.11/site-packages/torch/nn/modules/linear.py", line 116, in forward
    return F.linear(input, self.weight, self.bias)
RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x784 and 512x10)
"""

TRACEBACK_OOM = """  File "train.py", line 88, in train_step
    loss.backward()
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.77 GiB total)
"""

TRACEBACK_OTHER = """Traceback (most recent call last):
  File "train.py", line 30, in <module>
    loss.backward()
RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
"""

TRACEBACKS = [
    case(
        TRACEBACK_INDEX,
        {"crash": "index_out_of_bounds", "loss_function": "cross_entropy", "labels_in_range": "no"},
        "traceback-out-of-bounds",
    ),
    case(TRACEBACK_SHAPES, {"crash": "shape_mismatch"}, "traceback-mat1-mat2"),
    case(TRACEBACK_OOM, {"crash": "out_of_memory"}, "traceback-oom"),
    case(
        TRACEBACK_OTHER,
        {"crash": "other", "params_without_grad": "yes"},
        "traceback-other-error",
    ),
]


SAFE_SECONDS = 1.0
"""A safety bound, not a benchmark: these took from seconds to minutes when reading time
grew with the cube of a run of digits."""


def seconds(read: Callable[[], object]) -> float:
    start = time.perf_counter()
    read()
    return time.perf_counter() - start


def pasted_traceback(size: int) -> str:
    frame = (
        '  File "/venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1501, '
        "in _call_impl\n    return forward_call(*args, **kwargs)\n"
    )
    frames = frame * (size // len(frame))
    return (
        "Training crashes after a few batches:\nTraceback (most recent call last):\n"
        f"{frames}torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n"
    )


HOSTILE = {
    "digits": "0" * 5000,
    "digits-then-percent": "9" * 5000 + "%",
    "dots-and-digits": "0." * 2500,
    "version-numbers": "1.2.3." * 850,
    "dots-after-a-number": "1." + "." * 5000 + "x",
    "digits-then-dots": "0" * 2500 + "." * 2500,
    "spaces-after-a-number": "5" + " " * 5000 + "x",
    "exponents": "1e5" * 1700,
    "signs": "-1+" * 1700,
    "lr": "lr " + "1" * 5000 + "%",
    "loss": "loss " + "0" * 5000 + " epochs",
    "accuracy": "val acc 5" + " " * 5000 + "epochs",
    "train-valid": "train " + "9" * 2500 + " val " + "8" * 2500,
    "stuck": "stuck at " + "1" * 5000 + "%",
    "samples": "5 " * 2500 + "samples",
    "ratio": "1/" * 2500,
    "one-long-word": "valimprovdecreasscal" * 250,
    "many-negations": "the loss is not nan " * 250,
    "many-epochs": "at 1 epochs " * 400,
}
