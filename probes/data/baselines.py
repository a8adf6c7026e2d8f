"""The ``baselines`` probe: how much signal a quick scikit-learn model finds in the table.

A dummy model and a histogram gradient-boosted model are scored out of fold on the same seeded
sample; the boosted model is scored again on shuffled labels, which tells "the data has signal"
(the model beats both references) from "nothing to learn or labels misaligned" (it does not).
Skill is 1 - loss/dummy loss: log loss for classes, squared error for numbers. Where the
signal is weak or absent, or a validation split has its own, the pairing of inputs and labels
is checked too (``probes.data.alignment``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from probes.data.alignment import (
    MIN_SPLIT_ROWS,
    Fit,
    RowsInOrder,
    rows_out_of_step,
    splits_disagree,
)
from probes.data.noise import label_noise
from probes.data.outcome import Check, Step, number, steps, summarise
from probes.data.table import (
    Table,
    TableSource,
    as_numbers,
    label_codes,
    sample_rows,
    table_from_source,
)
from probes.progress import ProgressFn
from probes.result import ProbeResult

PROBE = "baselines"
#: Rows the models see at most: enough for a verdict, quick on a laptop.
ROWS = 50_000
FOLDS = 3
PERMUTATIONS = 3
#: Skill at or above this is "strong" signal.
STRONG = 0.1
#: Skill or headline score must beat the best shuffled-label one by this much to count at all.
MARGIN = 0.02
#: Regression targets beyond this many robust standard deviations from the median are broken
#: readings (a unit slip, a sentinel), left out so that a few of them cannot hide the signal.
EXTREME_TARGET = 10.0
#: A headline score must beat the shuffled-label one by this many standard errors of a
#: chance-level score on the held-out rows, so that small tables do not pass on luck.
CHANCE_ERRORS = 2.0
#: Below this many rows early stopping's held-out tenth is too small to judge by.
EARLY_STOPPING_ROWS = 1_000
#: A balanced accuracy or R^2 at or above this looks too good to be true.
TOO_GOOD = 0.995
#: Rows of each split the pairing checks use, in their original order.
PAIRING_ROWS = 3_000
#: Trees the baseline model grows at most, whatever the number of classes.
TREES = 300
#: Trees of the small model the pairing checks fit (many times over).
SMALL_TREES = 30
#: A split's ROC AUC is judged only where chance's standard error stays below this.
AUC_ERROR = 0.05

Model = Callable[[], object]


@dataclass(frozen=True)
class Scores:
    """Out-of-fold results of the boosted model against its references."""

    skill: float
    permuted: list[float]
    headline: float
    """Balanced accuracy for classes, R^2 for numbers."""
    permuted_headline: list[float]
    predictions: np.ndarray
    """Out-of-fold class probabilities (rows x classes) or predicted values."""
    target: np.ndarray


def baselines(target: TableSource, progress: ProgressFn) -> ProbeResult:
    """Score the baselines on the target's table; facts as in ``knowledge/probes.yaml``."""
    started = time.perf_counter()
    table = table_from_source(target)
    scores = score_baselines(table, steps(PROBE, progress))
    checks = [signal(scores, table.task), too_good(scores, table.task)]
    noise = label_noise(scores.predictions, scores.target, table.task)
    # With weak signal even the surest predictions are unsure, so disagreement means little;
    # but labels flipped at random keep the log loss near the dummy's while the headline score
    # stays well above chance, and there the surest predictions are worth judging.
    clear = checks[0].value == "strong" or (
        checks[0].value == "weak" and _headline_skill(scores, table.task) >= STRONG
    )
    if clear and noise is not None:
        checks.append(noise)
    pairing = label_pairing(table, checks[0].value, scores)
    if pairing is not None:
        checks.append(pairing)
    clean = "A quick gradient-boosted model finds clear signal in the data."
    return summarise(PROBE, checks, clean, time.perf_counter() - started)


def score_baselines(table: Table, step: Step) -> Scores:
    """Dummy, boosted and shuffled-label boosted models, out of fold on one sample."""
    # OpenMP threads that compete for busy cores slow the fits down ten-fold: use half the cores.
    with threadpool_limits(limits=max(1, (os.cpu_count() or 2) // 2), user_api="openmp"):
        return _score(table, step)


def _score(table: Table, step: Step) -> Scores:
    rows = sample_rows(table.rows, ROWS, seed=0)
    if table.task == "regression":
        rows = rows[ordinary_targets(label_codes(table)[rows])]
    inputs = as_numbers(table.features.iloc[rows])
    inputs[np.isinf(inputs)] = np.nan
    target = label_codes(table)[rows]
    classes = table.classes
    splits = list(KFold(FOLDS, shuffle=True, random_state=0).split(inputs))
    dummy, boosted = _dummy(table.task), _boosted(table.task, len(rows), classes)
    step(0.05, "fitting a dummy model")
    prior = _predict(dummy, inputs, target, classes, splits)
    step(0.2, "fitting a gradient-boosted model")
    predicted = _predict(boosted, inputs, target, classes, splits)
    skill = 1 - _loss(predicted, target, classes) / _loss(prior, target, classes)
    permuted: list[float] = []
    permuted_headline: list[float] = []
    shuffler = np.random.default_rng(0)
    # One held-out third per shuffle is enough for a reference and a third of the cost.
    held_out = splits[0][1]
    for count in range(PERMUTATIONS):
        step(0.6 + 0.13 * count, f"fitting on shuffled labels ({count + 1} of {PERMUTATIONS})")
        shuffled = shuffler.permutation(target)
        guess = _predict(boosted, inputs, shuffled, classes, splits[:1])[held_out]
        blind = _predict(dummy, inputs, shuffled, classes, splits[:1])[held_out]
        truth = shuffled[held_out]
        permuted.append(1 - _loss(guess, truth, classes) / _loss(blind, truth, classes))
        permuted_headline.append(_headline(guess, truth, classes))
    step(1.0, "done")
    headline = _headline(predicted, target, classes)
    return Scores(skill, permuted, headline, permuted_headline, predicted, target)


def label_pairing(table: Table, signal: str, scores: Scores) -> Check | None:
    """Whether inputs and labels look paired wrongly; None where neither check applies.

    Rows out of step are looked for only where the signal is weak or absent (a sound pairing
    shows its signal), the splits compared only where validation has enough rows of its own.
    """
    with threadpool_limits(limits=max(1, (os.cpu_count() or 2) // 2), user_api="openmp"):
        found = None
        if signal != "strong":
            training = _rows_in_order(table, table.features, table.label)
            found = rows_out_of_step(training, _fitter(table, folds=1))
        valid = None
        if table.valid_features is not None and table.valid_label is not None:
            valid = _rows_in_order(table, table.valid_features, table.valid_label)
        if found is None and valid is not None and len(valid.target) >= MIN_SPLIT_ROWS:
            train = _fit(scores.skill, scores.predictions, scores.target, table)
            found = splits_disagree(train, valid, _fitter(table, folds=FOLDS))
    if found is None and signal != "strong":
        return Check(fact="label_pairing", value="consistent")
    return found


def _rows_in_order(table: Table, features: pd.DataFrame, labels: pd.Series) -> RowsInOrder:
    """Inputs and label codes of the first PAIRING_ROWS rows of one split, in their order."""
    features, labels = features.iloc[:PAIRING_ROWS], labels.iloc[:PAIRING_ROWS]
    if table.task == "regression":
        target = labels.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        known = np.sort(table.label.unique())
        target = pd.Categorical(labels, categories=known).codes.astype(np.int64)
    inputs = as_numbers(features)
    inputs[np.isinf(inputs)] = np.nan
    keep = target >= 0 if table.task != "regression" else np.isfinite(target)
    return RowsInOrder(inputs[keep], target[keep], binary=table.task == "binary")


def _fitter(table: Table, folds: int) -> Callable[[np.ndarray, np.ndarray], Fit]:
    """A small boosted model against the dummy, out of fold (``folds`` of FOLDS splits)."""
    classes = table.classes

    def fit(inputs: np.ndarray, target: np.ndarray) -> Fit:
        if table.task == "regression":
            ordinary = ordinary_targets(target)
            inputs, target = inputs[ordinary], target[ordinary]
        if len(target) < FOLDS or len(np.unique(target)) < 2:
            return Fit(float("nan"), beyond_chance=False, judged=False)
        splits = list(KFold(FOLDS, shuffle=True, random_state=0).split(inputs))[:folds]
        held_out = np.concatenate([test for _, test in splits])
        boosted = _predict(_small_boosted(table.task), inputs, target, classes, splits)
        dummy = _predict(_dummy(table.task), inputs, target, classes, splits)
        truth = target[held_out]
        blind = _loss(dummy[held_out], truth, classes)
        if blind == 0:
            return Fit(float("nan"), beyond_chance=False, judged=False)
        skill = 1 - _loss(boosted[held_out], truth, classes) / blind
        return _fit(skill, boosted[held_out], truth, table)

    return fit


def _fit(skill: float, predicted: np.ndarray, target: np.ndarray, table: Table) -> Fit:
    """Skill with a verdict on chance that holds for rare classes too.

    Classes: ROC AUC (each class against the rest, averaged) more than CHANCE_ERRORS standard
    errors above 0.5, the error taken for the rarest class; a split whose rarest class is too
    rare for that error to stay below AUC_ERROR is not judged. Numbers: skill above MARGIN.
    """
    if table.task == "regression":
        return Fit(skill, beyond_chance=skill > MARGIN, judged=True)
    counts = np.bincount(target, minlength=predicted.shape[1])
    present = [c for c in range(predicted.shape[1]) if 0 < counts[c] < len(target)]
    if not present:
        return Fit(skill, beyond_chance=False, judged=False)
    aucs = [roc_auc_score(target == c, predicted[:, c]) for c in present]
    rarest = min(counts[c] for c in present)
    error = float(np.sqrt((len(target) + 1) / (12 * rarest * (len(target) - rarest))))
    beyond = float(np.mean(aucs)) > 0.5 + CHANCE_ERRORS * error
    return Fit(skill, beyond_chance=beyond, judged=error <= AUC_ERROR)


def _small_boosted(task: str) -> Model:
    """Few, coarse trees: enough to tell clear signal from none, at a fraction of the cost."""
    if task == "regression":
        return lambda: HistGradientBoostingRegressor(
            max_iter=SMALL_TREES, learning_rate=0.2, early_stopping=False, random_state=0
        )
    return lambda: HistGradientBoostingClassifier(
        max_iter=SMALL_TREES, learning_rate=0.2, early_stopping=False, random_state=0
    )


def ordinary_targets(target: np.ndarray) -> np.ndarray:
    """A mask of the regression targets within EXTREME_TARGET robust deviations of the median."""
    centre = np.median(target)
    spread = 1.4826 * np.median(np.abs(target - centre))
    if spread == 0:
        return np.ones(len(target), dtype=bool)
    return np.asarray(np.abs(target - centre) <= EXTREME_TARGET * spread)


def signal(scores: Scores, task: str) -> Check:
    """strong, weak or none, from the skill and the shuffled-label reference."""
    reference = max(scores.permuted)
    chance = _chance_headline(scores, task)
    # Log loss punishes an unsure model, the headline score a mostly-wrong one: either can show
    # a faint signal the other misses.
    beats_loss = scores.skill >= max(reference, 0.0) + MARGIN
    margin = max(MARGIN, CHANCE_ERRORS * _chance_error(scores, task))
    beats_headline = scores.headline >= max(max(scores.permuted_headline), chance) + margin
    if not (beats_loss or beats_headline):
        value, severity = "none", "fail"
    elif scores.skill < STRONG:
        value, severity = "weak", "warn"
    else:
        value, severity = "strong", "ok"
    words = {
        "none": "no signal: a gradient-boosted model does no better than on shuffled labels",
        "weak": "weak signal: a gradient-boosted model beats a dummy model only slightly",
        "strong": "",
    }
    return Check(
        fact="baseline_signal",
        value=value,
        severity=severity,  # type: ignore[arg-type]
        note=f"{words[value]} ({metric_name(task)} {number(scores.headline)} against "
        f"{number(max(scores.permuted_headline))} on shuffled labels)",
        values={
            "skill": round(scores.skill, 4),
            "permuted_skill": round(reference, 4),
            "headline_score": round(scores.headline, 4),
        },
    )


def too_good(scores: Scores, task: str) -> Check:
    """A near-perfect out-of-fold score is more often a leak than a solved problem."""
    metric = metric_name(task)
    suspicious = scores.headline >= TOO_GOOD
    return Check(
        fact="too_good",
        value="yes" if suspicious else "no",
        severity="warn" if suspicious else "ok",
        note=f"a quick model scores a {metric} of {number(scores.headline)} out of fold, "
        "which is too good to be true for most real data",
        values={"headline_metric": metric},
    )


def _chance_headline(scores: Scores, task: str) -> float:
    """Balanced accuracy of a guess (1 / classes); an R^2 of 0 for numbers."""
    if task == "regression":
        return 0.0
    return 1.0 / int(scores.predictions.shape[1])


def _chance_error(scores: Scores, task: str) -> float:
    """Standard error of a chance-level headline score on one held-out fold."""
    if task == "regression":
        return 0.0
    chance = _chance_headline(scores, task)
    held_out = max(1, len(scores.target) // FOLDS)
    return float(np.sqrt(chance * (1 - chance) / held_out))


def _headline_skill(scores: Scores, task: str) -> float:
    """The headline score rescaled so that chance is 0 and perfect is 1."""
    chance = _chance_headline(scores, task)
    return (scores.headline - chance) / (1 - chance)


def metric_name(task: str) -> str:
    return "R^2" if task == "regression" else "balanced accuracy"


def _dummy(task: str) -> Model:
    if task == "regression":
        return lambda: DummyRegressor()
    return lambda: DummyClassifier(strategy="prior")


def _boosted(task: str, rows: int, classes: int) -> Model:
    # Early stopping keeps the probabilities honest (log loss) and the fits short.
    stop = rows >= EARLY_STOPPING_ROWS
    if task == "regression":
        return lambda: HistGradientBoostingRegressor(early_stopping=stop, random_state=0)
    # Beyond two classes each round grows one tree per class: keep the trees to about
    # TREES, in fewer, longer steps (ten classes: 30 rounds at 0.33 instead of 100 at 0.1).
    rounds = min(100, max(20, TREES // classes)) if classes > 2 else 100
    rate = 0.1 * 100 / rounds
    return lambda: HistGradientBoostingClassifier(
        max_iter=rounds, learning_rate=rate, early_stopping=stop, random_state=0
    )


Split = tuple[np.ndarray, np.ndarray]


def _predict(
    model: Model, inputs: np.ndarray, target: np.ndarray, classes: int, splits: list[Split]
) -> np.ndarray:
    """Predictions for each split's test rows from a model fitted on its training rows."""
    shape = (len(target), classes) if classes else (len(target),)
    predicted = np.zeros(shape, dtype=np.float64)
    for train, test in splits:
        fitted = model()
        fitted.fit(inputs[train], target[train])  # type: ignore[attr-defined]
        if classes:
            predicted[np.ix_(test, fitted.classes_)] = fitted.predict_proba(inputs[test])  # type: ignore[attr-defined]
        else:
            predicted[test] = fitted.predict(inputs[test])  # type: ignore[attr-defined]
    return predicted


def _loss(predicted: np.ndarray, target: np.ndarray, classes: int) -> float:
    if classes:
        chosen = predicted[np.arange(len(target)), target]
        return float(-np.log(np.clip(chosen, 1e-15, 1.0)).mean())
    return float(((predicted - target) ** 2).mean())


def _headline(predicted: np.ndarray, target: np.ndarray, classes: int) -> float:
    if classes:
        return float(balanced_accuracy_score(target, predicted.argmax(axis=1)))
    total = float(((target - target.mean()) ** 2).sum())
    return 1 - float(((predicted - target) ** 2).sum()) / total
