"""Reading a table from a file, with messages that say what went wrong and what to do."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from probes.data.errors import DataError

READABLE = (".csv", ".tsv", ".txt", ".parquet", ".pq")


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV (any common separator), TSV or Parquet file as a DataFrame; ``DataError`` if not."""
    source = Path(path)
    if not source.is_file():
        raise DataError(
            f"no table at '{source}': the path does not exist. Give the path of a CSV or "
            "Parquet file."
        )
    suffix = source.suffix.lower()
    if suffix not in READABLE:
        raise DataError(
            f"'{source}' is not a table the data probes read: expected a file ending in "
            f"{', '.join(READABLE)}. Save it as CSV and run again."
        )
    if suffix in (".parquet", ".pq"):
        return _read_parquet(source)
    return _read_csv(source)


def _read_parquet(source: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(source)
    except Exception as error:  # pyarrow raises several types for a broken file
        raise DataError(
            f"could not read '{source}' as Parquet: {error}. Check that the file is complete."
        ) from error


def _read_csv(source: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(source, sep=_separator(source))
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(
            f"could not read '{source}' as CSV: {reason}. Check that it is a text file with a "
            "header row and the same number of fields on every line."
        ) from error


def _separator(source: Path) -> str:
    """Comma unless the header line plainly uses tabs, semicolons or pipes instead."""
    try:
        with source.open(encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
    except OSError:
        return ","
    if source.suffix.lower() == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
