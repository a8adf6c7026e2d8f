"""Uploaded tables: CSV or Parquet, read with pandas/pyarrow (never unpickled), checked."""

from __future__ import annotations

import io
from typing import Literal

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from server.errors import BadTable, UnsupportedTable

TableFormat = Literal["csv", "parquet"]
PARQUET_MAGIC = b"PAR1"
CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SHOWN_COLUMNS = 40


def table_format(filename: str, data: bytes) -> TableFormat:
    name = filename.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if "." not in name:
        return "parquet" if data.startswith(PARQUET_MAGIC) else "csv"
    raise UnsupportedTable(
        f"The file '{filename}' is neither CSV nor Parquet (by its name). Send a .csv or "
        ".parquet file."
    )


def read_table(filename: str, data: bytes, fmt: TableFormat, max_cells: int) -> pd.DataFrame:
    if fmt == "parquet":
        frame = _read_parquet(filename, data, max_cells)
    else:
        frame = _read_csv(filename, data)
    if frame.empty:
        raise BadTable(
            f"The table '{filename}' has no rows. Send a table with a header row and data."
        )
    if frame.size > max_cells:
        raise BadTable(_too_big(filename, len(frame), len(frame.columns), max_cells))
    return frame


def check_label(filename: str, frame: pd.DataFrame, label: str) -> None:
    if label in frame.columns:
        return
    columns = [str(c) for c in frame.columns]
    shown = ", ".join(columns[:SHOWN_COLUMNS])
    more = f" and {len(columns) - SHOWN_COLUMNS} more" if len(columns) > SHOWN_COLUMNS else ""
    raise BadTable(
        f"The table '{filename}' has no column '{label}'. Its columns are: {shown}{more}. "
        "Send the name of the label column as 'label'."
    )


def _read_csv(filename: str, data: bytes) -> pd.DataFrame:
    try:
        return pd.read_csv(io.BytesIO(data))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadTable(
            f"The file '{filename}' is not a CSV table that can be read: {reason}. Send a "
            "comma-separated UTF-8 file with a header row."
        ) from exc


def _read_parquet(filename: str, data: bytes, max_cells: int) -> pd.DataFrame:
    if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
        raise BadTable(
            f"The file '{filename}' is not a Parquet file: it does not start and end with "
            "'PAR1'. Send a real Parquet file, or a .csv."
        )
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        rows, columns = parquet.metadata.num_rows, parquet.metadata.num_columns
        # Checked before decoding: a small compressed file can unpack into a huge table.
        if rows * columns > max_cells:
            raise BadTable(_too_big(filename, rows, columns, max_cells))
        frame: pd.DataFrame = parquet.read().to_pandas()
        return frame
    except (pa.ArrowException, OSError) as exc:
        raise BadTable(
            f"The file '{filename}' is not a Parquet file that can be read: {exc}. Send a "
            "real Parquet file, or a .csv."
        ) from exc


def _too_big(filename: str, rows: int, columns: int, max_cells: int) -> str:
    return (
        f"The table '{filename}' has {rows} rows x {columns} columns = {rows * columns} cells; "
        f"the limit is {max_cells}. Send a sample of the rows."
    )
