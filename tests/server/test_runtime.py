"""Where a process runs its turns: on the event loop or in worker threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.runtime import Runtime
from server.settings import Settings
from server.storage import open_database


def runtime_for(url: str, turns_on_loop: bool | None) -> Runtime:
    settings = Settings(database_url=url, turns_on_loop=turns_on_loop)
    # Only the settings and the store's dialect matter here; nothing is connected.
    return Runtime(
        settings=settings,
        db=open_database(url),
        sessions=None,  # type: ignore[arg-type]
        limiter=None,  # type: ignore[arg-type]
        jobs=None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("url", "setting", "on_loop"),
    [
        ("sqlite:///{tmp}/s.sqlite3", None, True),
        ("postgresql://u:p@db.example:5432/unstuck", None, False),
        ("postgresql://u:p@127.0.0.1:5432/unstuck", True, True),
        ("sqlite:///{tmp}/s.sqlite3", False, False),
    ],
)
def test_turns_run_on_the_loop_with_sqlite_and_in_threads_with_postgresql(
    tmp_path: Path, url: str, setting: bool | None, on_loop: bool
) -> None:
    assert runtime_for(url.format(tmp=tmp_path), setting).inline_store is on_loop
