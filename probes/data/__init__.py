"""The data probes: quality checks on the user's table, scikit-learn baselines, and curves.

The curve reader (``probes.data.curve``) works on files and pasted text, without a target.
"""

from __future__ import annotations

from probes.data.errors import DataError
from probes.data.files import read_table

__all__ = ["DataError", "read_table"]
