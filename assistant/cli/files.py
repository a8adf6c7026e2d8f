"""Reading the files users name and writing what the commands print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from assistant.core.errors import UsageError


def read_json(path: str, what: str) -> Any:
    file = Path(path)
    if not file.exists():
        raise UsageError(f"{what} file '{path}' does not exist")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{what} file '{path}' is not valid JSON (line {error.lineno}, column "
            f"{error.colno}: {error.msg}). Expected an object such as "
            '{"loss_trend": "flat", "ask_learning_rate": "high"}.'
        ) from error


def write(out: TextIO, text: str) -> None:
    out.write(text.rstrip("\n") + "\n")
    out.flush()
