"""Categorical columns fed as raw text or integer codes, or already one-hot encoded.

Text columns are categorical by their type. An integer column is taken for category codes only
when the label depends on it but not in the order of its codes: the correlation ratio (eta
squared, the share of label variance explained by the codes as groups) is clearly above chance
and more than twice the squared linear correlation. Counts such as "rooms" or "age in years" act
in order and stay quiet.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from probes.data.outcome import Check
from probes.data.profile import Profile
from probes.data.table import Table, label_codes, name_list

#: Integer columns with this many distinct values may be codes.
FEWEST_CODES, MOST_CODES = 3, 30
#: Ids with more levels (stores, products, postcodes) may be codes too, integer or scaled to
#: evenly spaced numbers, when there are at least this many rows per level on average ...
ROWS_PER_CODE = 3
#: ... and neighbouring levels behave no more alike than distant ones: the correlation of each
#: level's mean label with the next level's stays below this (a quantity such as a rounded
#: temperature has neighbours that act alike, even when its effect is not monotone).
NEIGHBOUR_LIKENESS = 0.5
#: Codes explain at least this share of the label's variance ...
MIN_ETA_SQUARED = 0.05
#: ... and the linear correlation explains less than this share of what the codes explain.
ORDER_SHARE = 0.5
_PREFIX = re.compile(r"^(.+?)[_=.:][^_=.:]+$")


def categoricals(table: Table, profile: Profile) -> Check:
    """raw_codes if text or code-like integer columns; encoded if one-hot groups; else none."""
    text = [name for name, is_text in zip(profile.names, profile.text, strict=True) if is_text]
    codes = _code_columns(table, profile)
    raw = text + codes
    if raw:
        kinds = [*(f"{name} (text)" for name in text), *(f"{name} (codes)" for name in codes)]
        return Check(
            fact="categoricals",
            value="raw_codes",
            severity="warn",
            note=f"categorical columns go in unencoded: {name_list(kinds)}",
            values={"raw_categorical_columns": len(raw)},
        )
    encoded = _one_hot_groups(profile)
    return Check(
        fact="categoricals",
        value="encoded" if encoded else "none",
        values={"one_hot_groups": len(encoded)},
    )


def _code_columns(table: Table, profile: Profile) -> list[str]:
    targets = _targets(table, profile)
    found = []
    for column, name in enumerate(profile.names):
        if profile.text[column] or profile.constant[column]:
            continue
        values = profile.numbers[profile.sample, column]
        if _looks_like_codes(values, targets):
            found.append(name)
    return found


def _targets(table: Table, profile: Profile) -> np.ndarray:
    """The label as one numeric column, or one indicator column per class."""
    labels = label_codes(table)[profile.sample]
    if table.task == "regression":
        return np.asarray(labels.reshape(-1, 1))
    if table.task == "binary":
        return np.asarray(labels.reshape(-1, 1), dtype=np.float64)
    return np.asarray(labels.reshape(-1, 1) == np.arange(labels.max() + 1), dtype=np.float64)


def _looks_like_codes(values: np.ndarray, targets: np.ndarray) -> bool:
    present = ~np.isnan(values)
    values, targets = values[present], targets[present]
    if len(values) == 0:
        return False
    groups, inverse = np.unique(values, return_inverse=True)
    few = FEWEST_CODES <= len(groups) <= MOST_CODES and bool(np.all(values == np.round(values)))
    many = MOST_CODES < len(groups) <= len(values) / ROWS_PER_CODE and _evenly_spaced(groups)
    if not (few or many):
        return False
    chance = 5 * (len(groups) - 1) / len(values)
    for target in targets.T:
        eta_squared = _correlation_ratio(inverse, len(groups), target)
        if eta_squared < max(MIN_ETA_SQUARED, chance):
            continue
        if _squared_correlation(values, target) >= ORDER_SHARE * eta_squared:
            continue
        if few or _neighbour_likeness(inverse, len(groups), target) < NEIGHBOUR_LIKENESS:
            return True
    return False


def _evenly_spaced(levels: np.ndarray) -> bool:
    """Sorted distinct values on one grid (integers, or integers scaled and shifted)."""
    steps = np.diff(levels)
    step = float(steps.min())
    if step <= 0:
        return False
    multiples = steps / step
    return bool(np.all(np.abs(multiples - np.round(multiples)) < 1e-3))


def _neighbour_likeness(groups: np.ndarray, count: int, target: np.ndarray) -> float:
    """Correlation between the mean label of each level and of the next level up."""
    sizes = np.bincount(groups, minlength=count)
    means = np.bincount(groups, weights=target, minlength=count) / np.maximum(sizes, 1)
    means = means[sizes > 0]
    if len(means) < 3 or means[:-1].std() == 0 or means[1:].std() == 0:
        return 1.0
    return float(np.corrcoef(means[:-1], means[1:])[0, 1])


def _correlation_ratio(groups: np.ndarray, count: int, target: np.ndarray) -> float:
    total = float(((target - target.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    sizes = np.bincount(groups, minlength=count)
    means = np.bincount(groups, weights=target, minlength=count) / np.maximum(sizes, 1)
    between = float((sizes * (means - target.mean()) ** 2).sum())
    return between / total


def _squared_correlation(values: np.ndarray, target: np.ndarray) -> float:
    if values.std() == 0 or target.std() == 0:
        return 0.0
    return float(np.corrcoef(values, target)[0, 1] ** 2)


def _one_hot_groups(profile: Profile) -> list[str]:
    """Name prefixes shared by two or more 0/1 columns that are never on together."""
    return list(one_hot_members(profile))


def one_hot_members(profile: Profile) -> dict[str, list[int]]:
    """The columns of each one-hot group, by the name prefix they share (``city=Oslo``...)."""
    members: dict[str, list[int]] = defaultdict(list)
    for column, name in enumerate(profile.names):
        match = _PREFIX.match(name)
        if match and not profile.text[column] and _is_indicator(profile, column):
            members[match.group(1)].append(column)
    groups = {}
    for prefix, columns in members.items():
        rows = np.nan_to_num(profile.numbers[np.ix_(profile.sample, np.array(columns))])
        if len(columns) >= 2 and rows.sum(axis=1).max() <= 1:
            groups[prefix] = columns
    return groups


def _is_indicator(profile: Profile, column: int) -> bool:
    values = profile.sampled(column)
    return bool(np.isin(values, (0.0, 1.0)).all())
