"""The ``baselines`` probe: how much signal a quick scikit-learn model finds in the table.

A dummy model and a histogram gradient-boosted model are scored out of fold on the same seeded
sample; the boosted model is scored again on shuffled labels, which tells "the data has signal"
(the model beats both references) from "nothing to learn or labels misaligned" (it does not).
Skill is 1 - loss/dummy loss: log loss for classes, squared error for numbers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

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
    dummy, boosted = _dummy(table.task), _boosted(table.task, len(rows))
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


def ordinary_targets(target: np.ndarray) -> np.ndarray:
    """A mask of the regression targets within EXTREME_TARGET robust deviations of the median."""
    centre = np.median(target)
    spread = 1.4826 * np.median(np.abs(target - centre))
    if spread == 0:
        return np.ones(len(target), dtype=bool)
    return np.abs(target - centre) <= EXTREME_TARGET * spread


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
    return 1.0 / scores.predictions.shape[1]


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
        return DummyRegressor
    return lambda: DummyClassifier(strategy="prior")


def _boosted(task: str, rows: int) -> Model:
    # Early stopping keeps the probabilities honest (log loss) and the fits short.
    stop = rows >= EARLY_STOPPING_ROWS
    if task == "regression":
        return lambda: HistGradientBoostingRegressor(early_stopping=stop, random_state=0)
    return lambda: HistGradientBoostingClassifier(early_stopping=stop, random_state=0)


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
