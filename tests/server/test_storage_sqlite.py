"""The SQLite store when another process holds the write lock."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server.errors import StorageUnavailable
from server.storage import StreamItem, sqlite
from server.storage.sqlite import SQLiteDatabase


def other_writer(path: Path) -> sqlite3.Connection:
    """A second connection, as another server process would hold it, inside a write."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_write_waits_for_another_writer_and_then_commits(tmp_path: Path) -> None:
    db = SQLiteDatabase(f"sqlite:///{tmp_path / 's.sqlite3'}")
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


def test_server_processes_take_turns_on_the_writer_lock_beside_the_file(tmp_path: Path) -> None:
    db = SQLiteDatabase(f"sqlite:///{tmp_path / 's.sqlite3'}")
    db.create_schema()
    # what another server process holds while it writes
    lock = os.open(tmp_path / "s.sqlite3-writer", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    writer = threading.Thread(target=db.add_key, args=("k1", "team", "digest", []))
    writer.start()
    writer.join(timeout=0.3)
    assert writer.is_alive(), "the write went ahead while another process held the lock"
    fcntl.flock(lock, fcntl.LOCK_UN)
    os.close(lock)
    writer.join(timeout=5)
    assert not writer.is_alive()
    assert db.key_by_digest("digest") is not None


def test_a_writer_that_never_lets_go_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_S", 0.2)
    db = SQLiteDatabase(f"sqlite:///{tmp_path / 's.sqlite3'}")
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
