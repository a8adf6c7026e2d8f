"""The SQLite store when another process holds the write lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server import storage
from server.errors import StorageUnavailable
from server.storage import Database, StreamItem


def other_writer(path: Path) -> sqlite3.Connection:
    """A second connection, as another server process would hold it, inside a write."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_write_waits_for_another_writer_and_then_commits(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    db.create_schema()
    db.add_key("k1", "team", "digest", [])
    blocker = other_writer(tmp_path / "s.sqlite3")
    threading.Timer(0.3, blocker.commit).start()

    started = time.monotonic()
    db.create_session("s1", "k1", [('{"kind": "said"}', "[]")], [StreamItem("event", "{}")])

    waited = time.monotonic() - started
    assert 0.25 < waited < 5
    record = db.session("s1")
    assert record is not None and record.seq == 1


def test_a_writer_that_never_lets_go_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    db = Database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    db.create_schema()
    blocker = other_writer(tmp_path / "s.sqlite3")
    try:
        with pytest.raises(StorageUnavailable) as raised:
            db.add_key("k1", "team", "digest", [])
    finally:
        blocker.rollback()
    assert str(raised.value) == (
        f"The session store sqlite:///{tmp_path / 's.sqlite3'} failed: database is locked. "
        "Try again shortly."
    )
    assert db.add_key("k1", "team", "digest", []) is True
