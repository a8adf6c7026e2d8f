"""Train every case of the library with a plain loop and say whether it behaves as labelled.

    .venv/bin/python examples/verify.py                  # every case in cases.yaml
    .venv/bin/python examples/verify.py data_no_signal   # some cases, by file name
    .venv/bin/python examples/verify.py --jobs 2         # two worker processes
    .venv/bin/python examples/verify.py --cases examples/holdout/cases.yaml   # another set

Each case is trained with its own model, loss, optimizer and train_step for a fixed budget
(``DEFAULT_EPOCHS``, or the ``epochs`` a case's entry says the user trained for). The result is
scored against a trivial predictor (the majority class, or the mean for regression) on the
validation data, and judged by the symptom its expected cause should show: a broken case must
fail the way its cause says (no learning, NaN, a crash, a suspiciously perfect validation score,
a big train/valid gap, one prediction for every input, weights that never move...), a healthy
case must learn.

A batch may hold several model inputs: a tuple with the label last (``tokens, offsets, label``
from a collate_fn) calls ``model(tokens, offsets)``, a dict with several input keys calls
``model(**inputs)``, as the probes do; predictions are made batch by batch, since tokens with
offsets do not simply concatenate.

A failing run alone does not show that the labelled fault is what breaks it. So every broken
case has a repaired twin, ``experiment_fixed()`` in the same file: the same setup with the one
fault fixed. The twin is trained the same way and must learn by the case's own measure
(``FIXED``): then the fault is the cause, not something else in the file. A twin can be
diagnosed too: ``unstuck diagnose examples/<file>:experiment_fixed``.

Nothing here imports unstuck: this is the honest check of the yardstick itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.yaml"
#: The function of a broken case file that returns its repaired twin.
FIXED_FUNCTION = "experiment_fixed"
DEFAULT_EPOCHS = 20
DEFAULT_BATCH_SIZE = 32
#: How much longer a "too few epochs" case is trained to show the setup itself is sound.
LONGER = 10

Batch = Any
Step = Callable[[nn.Module, Batch, Callable[..., torch.Tensor], torch.optim.Optimizer], float]


@dataclass(frozen=True)
class Case:
    file: str
    expected: list[str]
    description: str
    form: str
    epochs: int | None = None
    calibrated: bool = False
    """A fix was tuned on this case (held-out sets only); verify treats it like any other."""
    folder: Path = HERE
    """The folder ``file`` is relative to: the one its cases file lies in."""

    @property
    def name(self) -> str:
        return Path(self.file).stem

    @property
    def healthy(self) -> bool:
        return not [c for c in self.expected if c != "eval.actually_fine"]


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    folder = path.resolve().parent
    return [Case(**entry, folder=folder) for entry in entries]


# -- loading a target ----------------------------------------------------------------------


def load_experiment(file: str | Path, function: str = "experiment") -> dict[str, Any]:
    """Import a case file and call its ``experiment()``, or the function named."""
    path = Path(file)
    if not path.is_absolute():
        path = HERE / path
    spec = importlib.util.spec_from_file_location(f"case_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    experiment: dict[str, Any] = getattr(module, function)()
    return experiment


def as_tensor(values: Any) -> torch.Tensor:
    """Features and labels the way a user's loop would hand them over: float32 or int64."""
    tensor = values if isinstance(values, torch.Tensor) else torch.as_tensor(np.array(values))
    if tensor.is_floating_point():
        return tensor.float()
    if tensor.dtype == torch.bool:
        return tensor.float()
    return tensor.long()


def frame_tensors(frame: pd.DataFrame, label: str) -> tuple[torch.Tensor, torch.Tensor]:
    features = frame.drop(columns=[label]).to_numpy(dtype=np.float32)
    return as_tensor(features), as_tensor(frame[label].to_numpy())


#: Keys a dict batch may name its targets by (a custom Dataset returning dicts).
LABEL_KEYS = ("label", "labels", "target", "targets", "y")


def pair(batch: Batch) -> tuple[Any, Any]:
    """(inputs, targets) of a batch: a pair, a tuple with the label last (several positional
    inputs, such as tokens and offsets), or a dict with a label key (several input keys are
    keyword inputs)."""
    if isinstance(batch, dict):
        label = next(key for key in LABEL_KEYS if key in batch)
        inputs = {key: value for key, value in batch.items() if key != label}
        return (next(iter(inputs.values())) if len(inputs) == 1 else inputs), batch[label]
    if len(batch) > 2:
        return tuple(batch[:-1]), batch[-1]
    return batch[0], batch[1]


def call(model: nn.Module, inputs: Any) -> torch.Tensor:
    """The model on one input, several positional inputs (a tuple) or keyword inputs (a dict)."""
    if isinstance(inputs, dict):
        return model(**inputs)
    if isinstance(inputs, (tuple, list)):
        return model(*inputs)
    return model(inputs)


def all_batches(data: Any, label: str | None) -> list[tuple[Any, torch.Tensor]]:
    """The whole of ``train`` or ``valid`` as (inputs, targets) batches, whatever form it comes
    in; batches are kept apart, since several inputs (tokens with offsets) do not simply
    concatenate."""
    if isinstance(data, pd.DataFrame):
        if label is None:
            raise ValueError("a DataFrame needs 'label' naming the target column")
        return [frame_tensors(data, label)]
    if isinstance(data, DataLoader):
        return [pair(batch) for batch in data]
    if isinstance(data, Dataset):
        return [pair(batch) for batch in DataLoader(data, batch_size=1024)]
    features, targets = data
    return [(as_tensor(features), as_tensor(targets))]


def all_tensors(data: Any, label: str | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole of ``train`` or ``valid`` as two tensors, for data with one input tensor."""
    xs, ys = zip(*all_batches(data, label), strict=True)
    return torch.cat(list(xs)), torch.cat(list(ys))


def train_batches(data: Any, label: str | None, batch_size: int, seed: int) -> Iterable[Batch]:
    """Batches for one epoch; a DataLoader is used exactly as the user built it."""
    if isinstance(data, DataLoader):
        return data
    generator = torch.Generator().manual_seed(seed)
    dataset = data if isinstance(data, Dataset) else TensorDataset(*all_tensors(data, label))
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)


# -- training ------------------------------------------------------------------------------


def plain_step(
    model: nn.Module, batch: Batch, loss: Callable[..., torch.Tensor], optimizer: Any
) -> float:
    features, targets = pair(batch)
    optimizer.zero_grad()
    value = loss(call(model, features), targets)
    value.backward()
    optimizer.step()
    return float(value.item())


def _get(experiment: dict[str, Any], key: str, default: Any) -> Any:
    value = experiment.get(key)
    return default if value is None else value


@dataclass
class Training:
    losses: list[float] = field(default_factory=list)
    """Mean loss of the steps in each epoch, as the user's step reported it."""
    crashed: str | None = None
    shape_warning: bool = False
    negative_loss: bool = False
    unchanged_parameters: int = 0
    """Parameter tensors that training left exactly as they started."""


def train(experiment: dict[str, Any], model: nn.Module, epochs: int) -> Training:
    before = [parameter.detach().clone() for parameter in model.parameters()]
    training = _train(experiment, model, epochs)
    after = list(model.parameters())
    training.unchanged_parameters = sum(
        bool(torch.equal(old, new.detach())) for old, new in zip(before, after, strict=True)
    )
    return training


def _train(experiment: dict[str, Any], model: nn.Module, epochs: int) -> Training:
    loss = _get(experiment, "loss", nn.MSELoss())
    make_optimizer = _get(experiment, "optimizer", lambda p: torch.optim.Adam(p, lr=1e-3))
    optimizer = make_optimizer(model.parameters())
    step: Step = _get(experiment, "train_step", plain_step)
    batch_size = experiment.get("batch_size") or DEFAULT_BATCH_SIZE
    label = experiment.get("label")
    training = Training()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for epoch in range(epochs):
                model.train()
                values = [
                    step(model, batch, loss, optimizer)
                    for batch in train_batches(experiment["train"], label, batch_size, epoch)
                ]
                training.losses.append(float(np.mean(values)))
                training.negative_loss |= min(values) < 0
        except Exception as error:  # the user's code may crash: that is a finding
            training.crashed = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    training.shape_warning = any("target size" in str(w.message) for w in caught)
    return training


# -- scoring -------------------------------------------------------------------------------


def predict(model: nn.Module, features: Any) -> torch.Tensor:
    model.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(model, features)


def predict_all(
    model: nn.Module, batches: list[tuple[Any, torch.Tensor]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's outputs on every batch, and the targets, each joined into one tensor."""
    outputs = [predict(model, inputs) for inputs, _ in batches]
    return torch.cat(outputs), torch.cat([targets for _, targets in batches])


def infer_task(targets: torch.Tensor, outputs: torch.Tensor, declared: str | None) -> str:
    if declared:
        return declared
    integral = not targets.is_floating_point() or bool(torch.all(targets == targets.round()))
    width = outputs.shape[-1] if outputs.ndim == 2 else 1
    if targets.ndim == 2 and targets.shape[-1] > 1:
        return "multilabel" if integral else "regression"
    if not integral:
        return "regression"
    classes = int(torch.unique(targets).numel())
    if width == 1:
        return "binary" if classes <= 2 else "regression"
    return "multiclass"


@dataclass
class Score:
    value: float
    """Accuracy for classification, R^2 for regression."""
    skill: float
    """0 = no better than the trivial predictor, 1 = perfect."""
    minority_recall: float | None = None
    one_prediction: bool = False
    """Every input gets the same prediction (one class, or one value)."""
    targets_in_reach: float = 1.0
    """Regression: the share of targets inside the range the predictions span."""


def regression_score(outputs: torch.Tensor, targets: torch.Tensor) -> Score:
    y = targets.float().reshape(-1)
    mean = float(y.mean())
    if outputs.numel() != y.numel():
        return Score(value=-math.inf, skill=-math.inf)
    residual = float(((outputs.reshape(-1) - y) ** 2).sum())
    spread = float(((y - mean) ** 2).sum()) or 1.0
    r2 = 1.0 - residual / spread if math.isfinite(residual) else -math.inf
    # "the same value for every input": a spread far below the targets' own
    flat = float(outputs.float().std()) < 1e-3 * float(y.std()) if len(y) > 1 else False
    low, high = float(outputs.min()), float(outputs.max())
    reach = float(((y >= low) & (y <= high)).float().mean())
    return Score(value=r2, skill=r2, one_prediction=flat, targets_in_reach=reach)


def class_predictions(outputs: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    if outputs.ndim == 2 and outputs.shape[-1] > 1:
        return outputs.argmax(dim=-1)
    scores = outputs.reshape(-1)
    probabilities = bool(torch.all((scores >= 0) & (scores <= 1)))
    positive = scores > (0.5 if probabilities else 0.0)
    return torch.where(positive, classes.max(), classes.min())


def classification_score(
    outputs: torch.Tensor, targets: torch.Tensor, train_targets: torch.Tensor
) -> Score:
    classes, counts = torch.unique(train_targets, return_counts=True)
    majority, rarest = classes[counts.argmax()], classes[counts.argmin()]
    y = targets.reshape(-1).long()
    predicted = class_predictions(outputs, classes.long())
    accuracy = float((predicted == y).float().mean())
    base = float((y == majority).float().mean())
    rare = y == rarest
    recall = float((predicted[rare] == rarest).float().mean()) if rare.any() else None
    skill = (accuracy - base) / (1 - base) if base < 1 else 0.0
    one_class = int(torch.unique(predicted).numel()) == 1
    return Score(value=accuracy, skill=skill, minority_recall=recall, one_prediction=one_class)


def multilabel_score(
    outputs: torch.Tensor, targets: torch.Tensor, train_targets: torch.Tensor
) -> Score:
    probabilities = bool(torch.all((outputs >= 0) & (outputs <= 1)))
    predicted = (outputs > (0.5 if probabilities else 0.0)).float()
    accuracy = float((predicted == targets.float()).float().mean())
    majority = (train_targets.float().mean(dim=0) > 0.5).float()
    base = float((targets.float() == majority).float().mean())
    return Score(value=accuracy, skill=(accuracy - base) / (1 - base))


def score(
    task: str, outputs: torch.Tensor, targets: torch.Tensor, train_targets: torch.Tensor
) -> Score:
    if task == "regression":
        return regression_score(outputs, targets)
    if task == "multilabel":
        return multilabel_score(outputs, targets, train_targets)
    return classification_score(outputs, targets, train_targets)


# -- one case ------------------------------------------------------------------------------


@dataclass
class Verdict:
    case: Case
    epochs: int
    task: str = "?"
    training: Training = field(default_factory=Training)
    first_loss: float = math.nan
    last_loss: float = math.nan
    train: Score | None = None
    valid: Score | None = None
    longer_valid: Score | None = None
    seconds: float = 0.0
    symptom: str = ""
    behaves: bool = False
    twin: Verdict | None = None
    """The repaired twin's run, for a broken case."""
    twin_measure: str = ""
    twin_learns: bool = False

    @property
    def nonfinite(self) -> bool:
        outputs_bad = self.valid is not None and not math.isfinite(self.valid.skill)
        return outputs_bad or any(not math.isfinite(v) for v in self.training.losses)

    @property
    def gap(self) -> float:
        if self.train is None or self.valid is None:
            return 0.0
        return self.train.skill - self.valid.skill

    @property
    def learned(self) -> bool:
        return (
            self.training.crashed is None
            and not self.nonfinite
            and self.valid is not None
            and self.valid.skill >= 0.6
        )

    @property
    def too_good(self) -> bool:
        return self.valid is not None and self.valid.value >= 0.99


def fit_and_score(experiment: dict[str, Any], epochs: int) -> tuple[Training, Score, Score, str]:
    torch.manual_seed(0)
    model = experiment["model"]()
    label = experiment.get("label")
    train_data = all_batches(experiment["train"], label)
    valid_data = all_batches(_get(experiment, "valid", experiment["train"]), label)
    train_y = torch.cat([targets for _, targets in train_data])
    task = infer_task(train_y, predict(model, train_data[0][0]), experiment.get("task"))
    training = train(experiment, model, epochs)
    train_score = score(task, *predict_all(model, train_data), train_y)
    valid_score = score(task, *predict_all(model, valid_data), train_y)
    return training, train_score, valid_score, task


def verify(case: Case) -> Verdict:
    started = time.perf_counter()
    verdict = run_case(case, "experiment", case.epochs or DEFAULT_EPOCHS)
    if case.epochs is not None:
        experiment = load_experiment(case.folder / case.file)
        _, _, verdict.longer_valid, _ = fit_and_score(experiment, case.epochs * LONGER)
    verdict.symptom, verdict.behaves = judge(verdict)
    if not case.healthy:
        verdict.twin = run_case(case, FIXED_FUNCTION, twin_epochs(case))
        verdict.twin_measure, verdict.twin_learns = judge_twin(verdict.twin)
        verdict.behaves = verdict.behaves and verdict.twin_learns
    verdict.seconds = time.perf_counter() - started
    return verdict


def twin_epochs(case: Case) -> int:
    """The twin trains as long as the case, unless the fault is the epoch budget itself."""
    epochs = case.epochs or DEFAULT_EPOCHS
    return epochs * LONGER if case.expected[0] in FIXED_BY_TRAINING_LONGER else epochs


def run_case(case: Case, function: str, epochs: int) -> Verdict:
    """Train and score what ``function`` of the case file returns."""
    verdict = Verdict(case=case, epochs=epochs)
    experiment = load_experiment(case.folder / case.file, function)
    try:
        verdict.training, verdict.train, verdict.valid, verdict.task = fit_and_score(
            experiment, epochs
        )
    except Exception as error:  # a crash before training starts (shapes, dtypes)
        verdict.training.crashed = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    if verdict.training.losses:
        verdict.first_loss, verdict.last_loss = (
            verdict.training.losses[0],
            verdict.training.losses[-1],
        )
    return verdict


# -- judging -------------------------------------------------------------------------------


def no_learning(v: Verdict) -> bool:
    return (
        v.training.crashed is not None
        or v.nonfinite
        or (v.valid is not None and v.valid.skill < 0.3)
    )


def big_gap(v: Verdict) -> bool:
    return v.gap >= 0.25


def stalls_high(v: Verdict) -> bool:
    return math.isfinite(v.last_loss) and v.last_loss > 0.5 * v.first_loss


def majority_only(v: Verdict) -> bool:
    recall = v.valid.minority_recall if v.valid else None
    return recall is not None and recall < 0.25


def negative(v: Verdict) -> bool:
    return v.training.negative_loss


def one_prediction(v: Verdict) -> bool:
    return v.valid is not None and v.valid.one_prediction


def out_of_reach(v: Verdict) -> bool:
    """The predictions span too narrow a range to reach most targets (a bounded output)."""
    return v.valid is not None and v.valid.targets_in_reach < 0.5


def frozen(v: Verdict) -> bool:
    return v.training.crashed is None and v.training.unchanged_parameters > 0


def still_falling(v: Verdict) -> bool:
    losses = v.training.losses
    falling = len(losses) >= 2 and losses[-1] < 0.98 * losses[-2]
    better_later = v.longer_valid is not None and v.longer_valid.skill >= 0.6
    return falling and not v.learned and better_later


#: How each cause shows in a plain training run: (name of the symptom, test).
SYMPTOMS: dict[str, tuple[str, Callable[[Verdict], bool]]] = {
    "data.too_small": ("train/valid gap", big_gap),
    "data.label_noise": ("poor skill", lambda v: no_learning(v) or big_gap(v)),
    "data.class_imbalance": ("minority class ignored", majority_only),
    "data.missing_values": ("non-finite loss", lambda v: v.nonfinite),
    "data.unscaled_features": ("no learning", no_learning),
    "data.outliers": ("no learning", no_learning),
    "data.useless_features": ("gap or no learning", lambda v: no_learning(v) or big_gap(v)),
    "data.split_leakage": ("too good to be true", lambda v: v.too_good),
    "data.target_leakage": ("too good to be true", lambda v: v.too_good),
    "data.misaligned_labels": ("no learning", no_learning),
    "data.no_signal": ("no learning", no_learning),
    "data.distribution_shift": ("train/valid gap", big_gap),
    "data.label_encoding": (
        "crash, negative loss or no learning",
        lambda v: no_learning(v) or negative(v),
    ),
    "data.unencoded_categoricals": ("no learning", no_learning),
    "model.output_activation": (
        "no learning, most targets out of the predictions' reach",
        lambda v: no_learning(v) and out_of_reach(v),
    ),
    "model.double_softmax": ("loss stalls high", lambda v: stalls_high(v) or no_learning(v)),
    "model.too_small": ("no learning", no_learning),
    "model.overfitting": ("train/valid gap", big_gap),
    "model.vanishing_gradients": ("no learning", no_learning),
    "model.exploding_gradients": ("no learning", no_learning),
    "model.dead_relu": (
        "no learning, one prediction for every input",
        lambda v: no_learning(v) and one_prediction(v),
    ),
    "model.bad_init": (
        "no learning, one prediction for every input",
        lambda v: no_learning(v) and one_prediction(v),
    ),
    "model.frozen_parameters": (
        "no learning, some weights never move",
        lambda v: no_learning(v) and frozen(v),
    ),
    "model.no_nonlinearity": ("no learning", no_learning),
    "model.wrong_architecture": ("no learning", no_learning),
    "train.lr_too_high": ("no learning", no_learning),
    "train.lr_too_low": ("no learning", no_learning),
    "train.lr_schedule_collapse": ("no learning", no_learning),
    "train.wrong_loss": ("no learning or negative loss", lambda v: no_learning(v) or negative(v)),
    "train.shape_broadcast": (
        "no learning, with PyTorch's target-size warning",
        lambda v: no_learning(v) and v.training.shape_warning,
    ),
    "train.missing_zero_grad": ("no learning", no_learning),
    "train.too_few_epochs": ("still improving when stopped", still_falling),
    "train.over_regularized": (
        "no learning, one prediction for every input",
        lambda v: no_learning(v) and one_prediction(v),
    ),
    "train.numerical_instability": ("non-finite loss", lambda v: v.nonfinite),
    "train.mode_mismatch": ("no learning", no_learning),
}


def learns_without_gap(v: Verdict) -> bool:
    return v.learned and not big_gap(v)


def honest_score(v: Verdict) -> bool:
    """Learns something real, and the validation score is no longer too good to be true."""
    real = v.training.crashed is None and not v.nonfinite and v.valid is not None
    return real and not v.too_good and v.valid is not None and v.valid.skill >= 0.2


def finds_minority(v: Verdict) -> bool:
    recall = v.valid.minority_recall if v.valid else None
    return v.training.crashed is None and recall is not None and recall >= 0.5


#: How a repaired twin shows that the fault was the cause, where plain learning is not the
#: case's own measure: (name of the measure, test). Every other twin must learn.
FIXED: dict[str, tuple[str, Callable[[Verdict], bool]]] = {
    "data.too_small": ("learns without a train/valid gap", learns_without_gap),
    "data.useless_features": ("learns without a train/valid gap", learns_without_gap),
    "data.distribution_shift": ("learns without a train/valid gap", learns_without_gap),
    "model.overfitting": ("learns without a train/valid gap", learns_without_gap),
    "data.split_leakage": ("honest validation score", honest_score),
    "data.target_leakage": ("honest validation score", honest_score),
    "data.class_imbalance": ("finds the minority class", finds_minority),
}
LEARNS: tuple[str, Callable[[Verdict], bool]] = ("learns", lambda v: v.learned)
#: Causes whose fix is the training budget itself: the twin is trained LONGER times as long.
FIXED_BY_TRAINING_LONGER = {"train.too_few_epochs"}


def judge_twin(twin: Verdict) -> tuple[str, bool]:
    name, test = FIXED.get(twin.case.expected[0], LEARNS)
    return name, test(twin)


def judge(v: Verdict) -> tuple[str, bool]:
    if v.case.healthy:
        fine = v.learned and not v.too_good and not big_gap(v)
        return "learns", fine
    name, test = SYMPTOMS[v.case.expected[0]]
    return name, test(v)


# -- report --------------------------------------------------------------------------------


def describe(v: Verdict) -> str:
    def fmt(s: Score | None) -> str:
        return "   -   " if s is None else f"{s.value:6.3f}"

    crash = f"  crashed: {v.training.crashed}" if v.training.crashed else ""
    flags = [
        name
        for name, on in (
            ("nan", v.nonfinite),
            ("neg-loss", v.training.negative_loss),
            ("shape-warning", v.training.shape_warning),
            ("too-good", v.too_good),
        )
        if on
    ]
    recall = v.valid.minority_recall if v.valid else None
    rare = "" if recall is None else f" rare-recall {recall:.2f}"
    longer = "" if v.longer_valid is None else f" longer-skill {v.longer_valid.skill:.2f}"
    skill = f"{v.valid.skill:6.2f}" if v.valid else "   -  "
    return (
        f"{'ok ' if v.behaves else 'BAD'} {v.case.name:40s} {v.task:10s} "
        f"loss {v.first_loss:9.4g} -> {v.last_loss:9.4g}  train {fmt(v.train)} "
        f"valid {fmt(v.valid)} skill {skill}{rare}{longer} "
        f"[{v.symptom}] {' '.join(flags)}{crash}{describe_twin(v)} ({v.seconds:.1f}s)"
    )


def describe_twin(v: Verdict) -> str:
    twin = v.twin
    if twin is None:
        return ""
    skill = f"{twin.valid.skill:.2f}" if twin.valid else "-"
    crash = f" crashed: {twin.training.crashed}" if twin.training.crashed else ""
    verdict = "ok" if v.twin_learns else "FAILS"
    return f" | fixed twin: skill {skill} [{v.twin_measure}] {verdict}{crash}"


def record(v: Verdict) -> dict[str, Any]:
    """A verdict as plain data, for ``--json`` and the tests."""
    return {
        "case": v.case.name,
        "expected": v.case.expected,
        "behaves": v.behaves,
        "symptom": v.symptom,
        "task": v.task,
        "first_loss": v.first_loss,
        "last_loss": v.last_loss,
        "train_score": None if v.train is None else v.train.value,
        "valid_score": None if v.valid is None else v.valid.value,
        "valid_skill": None if v.valid is None else v.valid.skill,
        "crashed": v.training.crashed,
        "twin_measure": v.twin_measure,
        "twin_learns": v.twin_learns,
        "twin_valid_skill": None if v.twin is None or v.twin.valid is None else v.twin.valid.skill,
        "seconds": round(v.seconds, 2),
        "line": describe(v),
    }


def _single_thread() -> None:
    # several workers share a small machine: one thread each is faster than contention
    torch.set_num_threads(1)


def run(cases: list[Case], jobs: int = 1) -> Iterator[Verdict]:
    if jobs <= 1:
        yield from map(verify, cases)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_single_thread) as pool:
        yield from pool.map(verify, cases)


def selected(names: list[str], cases_file: Path = CASES_FILE) -> Iterator[Case]:
    for case in read_cases(cases_file):
        if not names or case.name in names or case.file in names:
            yield case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case file names (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--json", action="store_true", help="one JSON object per case and line")
    parser.add_argument(
        "--cases",
        dest="cases_file",
        type=Path,
        default=CASES_FILE,
        metavar="PATH",
        help="cases file; its files are relative to its folder (default: examples/cases.yaml)",
    )
    args = parser.parse_args(argv)
    cases = list(selected(args.cases, args.cases_file))
    unknown = set(args.cases) - {c.name for c in cases} - {c.file for c in cases}
    if unknown:
        parser.error(f"no such case in {args.cases_file}: {', '.join(sorted(unknown))}")
    _single_thread()
    verdicts = []
    for verdict in run(cases, args.jobs):
        verdicts.append(verdict)
        print(json.dumps(record(verdict)) if args.json else describe(verdict), flush=True)
    if args.json:
        return 0
    bad = [v.case.name for v in verdicts if not v.behaves]
    print(f"\n{len(verdicts) - len(bad)}/{len(verdicts)} cases behave as labelled")
    if bad:
        print("misbehaving: " + ", ".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
