"""Signs that inputs and labels are paired wrongly, measured with a quick model's skill.

Two checks:

- rows out of step: when a quick model finds little signal, labels that fit the inputs a few
  rows away (an off-by-one join, a lagged series) clearly better than the inputs of their own
  row;
- splits that disagree: one of train and validation holds clear signal of its own while the
  other holds none, as if one split's labels had been shuffled on their own.

A complete shuffle of the labels leaves no trace in the data: then only the user's knowledge
that the inputs should predict the target tells misaligned labels from data without signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from probes.data.outcome import Check, number
from probes.result import Measured

#: Row offsets tried between inputs and labels, nearest first.
SHIFTS = (1, -1, 2, -2, 3, -3)
#: Skill (1 - loss / dummy loss) at or above this is clear signal; a shifted pairing must also
#: beat the pairing of each row with its own label by this much.
CLEAR = 0.1
#: Skill at or below this is no signal at all.
NOTHING = 0.02
#: Rank agreement at or above this makes a column a copy of the label (a lagged column).
COPY = 0.9999
#: A split needs this many labelled rows for its own out-of-fold skill to mean something.
MIN_SPLIT_ROWS = 200


@dataclass(frozen=True)
class Fit:
    """How well a quick model does out of fold on one set of pairs."""

    skill: float
    """1 - loss / dummy loss; NaN where it cannot be measured."""
    beyond_chance: bool
    """Whether its ranking of the rows beats chance clearly (ROC AUC for classes, skill for
    numbers): log loss alone calls a rare class's signal nothing."""
    judged: bool = True
    """False where the rows are too few (or a class too rare) to call the signal nothing."""


#: Fits a quick model out of fold on (inputs, target).
Skill = Callable[[np.ndarray, np.ndarray], Fit]


@dataclass(frozen=True)
class RowsInOrder:
    """One split's inputs and label codes in their original row order."""

    inputs: np.ndarray
    target: np.ndarray
    binary: bool = False
    """Two classes: a column copies the label when it separates them perfectly."""


def rows_out_of_step(train: RowsInOrder, skill: Skill) -> Check | None:
    """``off_by_rows`` when labels fit the inputs of a row a few places away; else None.

    A shifted pairing in which one input column copies the label is left out: that is how a
    forecasting table with lagged columns looks (tomorrow's return is a column of tomorrow's
    row), not a broken join.
    """
    own = skill(train.inputs, train.target).skill
    if not np.isfinite(own):
        return None
    best_shift, best = 0, own
    for shift in SHIFTS:
        inputs, target = shifted(train, shift)
        if len(target) < MIN_SPLIT_ROWS or copies_the_label(inputs, target, train.binary):
            continue
        score = skill(inputs, target).skill
        if np.isfinite(score) and score > best:
            best_shift, best = shift, score
    if best_shift == 0 or best < CLEAR or best < own + CLEAR:
        return None
    # the label of row j + shift belongs to the inputs of row j: shift rows before it
    direction = "before" if best_shift > 0 else "after"
    rows = abs(best_shift)
    return Check(
        fact="label_pairing",
        value="off_by_rows",
        severity="fail",
        note=f"each label fits the inputs {rows} row{'s' if rows > 1 else ''} {direction} it "
        f"(skill {number(best)}) far better than its own row's (skill {number(own)}): "
        "inputs and labels are out of step, as after an off-by-one join or a lagged series",
        values={"pairing_shift": best_shift, "shifted_skill": round(best, 4)},
    )


def copies_the_label(inputs: np.ndarray, target: np.ndarray, binary: bool) -> bool:
    """Whether some column is the label itself up to an order-keeping transformation: ranks
    that agree with the label's (ROC AUC for two classes) to within COPY."""
    if len(target) < 2 or inputs.shape[1] == 0:
        return False
    columns = pd.DataFrame(inputs).rank(method="average").to_numpy()
    columns = np.where(np.isnan(columns), np.nanmean(columns, axis=0), columns)
    if binary:
        positives = target == target.max()
        count, others = int(positives.sum()), int((~positives).sum())
        if count == 0 or others == 0:
            return False
        auc = (columns[positives].sum(axis=0) - count * (count + 1) / 2) / (count * others)
        return bool(np.any(np.maximum(auc, 1 - auc) >= COPY))
    ranks = pd.Series(target).rank(method="average").to_numpy()
    centred = columns - columns.mean(axis=0)
    label = ranks - ranks.mean()
    spread = np.sqrt((centred**2).sum(axis=0) * (label**2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = np.where(spread > 0, centred.T @ label / spread, 0.0)
    return bool(np.any(np.abs(correlation) >= COPY))


def shifted(split: RowsInOrder, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of row i paired with the label of row i + shift."""
    if shift > 0:
        return split.inputs[:-shift], split.target[shift:]
    if shift < 0:
        return split.inputs[-shift:], split.target[:shift]
    return split.inputs, split.target


def splits_disagree(train: Fit, valid_rows: RowsInOrder, skill: Skill) -> Check | None:
    """``splits_disagree`` when one split has clear signal of its own and the other none;
    ``consistent`` when they agree; None when a split is too small or skewed to judge."""
    valid = skill(valid_rows.inputs, valid_rows.target)
    fits = {"training": train, "validation": valid}
    if not all(fit.judged and np.isfinite(fit.skill) for fit in fits.values()):
        return None
    values: dict[str, Measured] = {"valid_own_skill": round(valid.skill, 4)}
    sound = max(fits, key=lambda name: fits[name].skill)
    broken = min(fits, key=lambda name: fits[name].skill)
    nothing = fits[broken].skill <= NOTHING and not fits[broken].beyond_chance
    if not (nothing and fits[sound].skill >= CLEAR):
        return Check(fact="label_pairing", value="consistent", values=values)
    return Check(
        fact="label_pairing",
        value="splits_disagree",
        severity="fail",
        note=f"a quick model finds clear signal within the {sound} data (skill "
        f"{number(fits[sound].skill)}) but none within the {broken} data (skill "
        f"{number(fits[broken].skill)}): the {broken} labels look shuffled apart from their "
        "inputs",
        values=values,
    )
