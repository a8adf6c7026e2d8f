"""The ``data_checks`` probe: data quality checks on the training (and validation) table."""

from __future__ import annotations

import time

import numpy as np

from probes.data.categoricals import categoricals
from probes.data.counts import class_balance, dataset_size
from probes.data.leakage import leaky_feature
from probes.data.outcome import Check, Step, plural, steps, summarise
from probes.data.profile import build_profile
from probes.data.quality import constant_columns, duplicate_rows, missing_values, row_hashes
from probes.data.scales import (
    Spread,
    feature_scales,
    inputs_normalised,
    outliers,
    spread_of,
    spreads,
)
from probes.data.split import split_overlap, valid_distribution
from probes.data.table import Table, TableSource, table_from_source
from probes.progress import ProgressFn
from probes.result import ProbeResult

PROBE = "data_checks"


def data_checks(target: TableSource, progress: ProgressFn) -> ProbeResult:
    """Check the target's table; facts as in ``knowledge/probes.yaml``."""
    started = time.perf_counter()
    table = table_from_source(target)
    checks = check_table(table, steps(PROBE, progress))
    shape = f"{plural(table.rows, 'row')} and {plural(len(table.features.columns), 'column')}"
    clean = f"No data problems found in {shape}."
    return summarise(PROBE, checks, clean, time.perf_counter() - started)


def check_table(table: Table, step: Step) -> list[Check]:
    """Every check on a prepared table, in the order a person would look."""
    step(0.0, "reading the table")
    profile = build_profile(table)
    found: list[Check | None] = [
        dataset_size(table),
        missing_values(table, profile),
        constant_columns(table, profile),
        class_balance(table),
    ]
    step(0.2, "looking for duplicate rows")
    hashes = row_hashes(table.features)
    found += [duplicate_rows(table, profile, hashes), split_overlap(table, profile, hashes)]
    step(0.4, "measuring scales and extreme values")
    columns = spreads(profile)
    found += [feature_scales(columns), inputs_normalised(columns)]
    found.append(outliers(columns + _target_spread(table)))
    step(0.55, "looking for categorical columns")
    found.append(categoricals(table, profile))
    step(0.7, "looking for columns that give the label away")
    found.append(leaky_feature(table, profile))
    step(0.85, "comparing validation with training")
    found.append(valid_distribution(table, profile))
    step(1.0, "done")
    return [check for check in found if check is not None]


def _target_spread(table: Table) -> list[Spread]:
    """A regression target's spread, so that broken readings of it count as outliers."""
    if table.task != "regression":
        return []
    values = table.label.to_numpy(dtype=np.float64, na_value=np.nan)
    spread = spread_of(f"{table.label_name} (target)", values[np.isfinite(values)])
    return [spread] if spread is not None else []
