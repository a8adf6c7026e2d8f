"""The data probes: quality checks on the user's table, scikit-learn baselines, and curves.

``PROBES`` maps probe ids to functions ``(target, progress) -> ProbeResult``; the curve reader
(``probes.data.curve``) works on files and pasted text, without a target.
"""

from __future__ import annotations

from collections.abc import Callable

from probes.data.baselines import baselines
from probes.data.checks import data_checks
from probes.data.errors import DataError
from probes.data.files import read_table
from probes.progress import ProgressFn
from probes.result import ProbeResult
from probes.target import Target

ProbeFn = Callable[[Target, ProgressFn], ProbeResult]

PROBES: dict[str, ProbeFn] = {"data_checks": data_checks, "baselines": baselines}

__all__ = ["PROBES", "DataError", "ProbeFn", "read_table"]
