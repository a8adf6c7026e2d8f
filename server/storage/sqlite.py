"""The session store in a SQLite file: the embedded default.

SQLite lets one writer in at a time and makes the others sleep and poll until its lock frees.
Here the threads of one process queue for writes on a lock, and the service's processes on a
file lock beside the database, so that a waiting writer wakes the moment the other lets go.
"""

from __future__ import annotations

import fcntl
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from server.storage.records import StreamItem
from server.storage.sql import SQLDatabase, schema

#: How long a statement waits for another process's write before giving up.
BUSY_TIMEOUT_S = 30.0


class SQLiteDatabase(SQLDatabase[sqlite3.Connection]):
    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = Path(url.removeprefix("sqlite:///"))
        self._write_lock = threading.Lock()
        self._writers_file: int | None = None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _failures(self) -> tuple[type[Exception], ...]:
        return (sqlite3.OperationalError,)

    def _transaction(self, conn: sqlite3.Connection, write: bool) -> Iterator[sqlite3.Cursor]:
        if not write:
            yield conn.cursor()
            return
        with self._write_lock, self._writers_turn():
            cur = conn.cursor()
            _begin_write(cur)
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextmanager
    def _writers_turn(self) -> Iterator[None]:
        """The writer lock among the service's processes: ``flock`` on a file beside the
        database, so that a process waiting to write sleeps in the kernel and wakes the moment
        the other lets go, instead of polling SQLite's lock in growing steps.

        Only the service's own processes take it, each for one transaction, and the kernel
        drops it when a process dies. Other programs writing to the file still meet SQLite's
        lock, which ``_begin_write`` waits for."""
        if self._writers_file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writers_file = os.open(f"{self.path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._writers_file)
        fcntl.flock(self._writers_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._writers_file, fcntl.LOCK_UN)

    def create_schema(self) -> None:
        with self._cursor(write=True) as cur:
            for statement in schema(blob="BLOB"):
                cur.execute(statement)

    def commit_turn(
        self,
        session_id: str,
        expected_seq: int,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> bool:
        with self._cursor(write=True) as cur:
            row = self._run(
                cur,
                "UPDATE sessions SET seq = ?, stream_seq = stream_seq + ? "
                "WHERE id = ? AND seq = ? RETURNING stream_seq",
                (expected_seq + len(events), len(stream), session_id, expected_seq),
            ).fetchone()
            if row is None:
                return False
            self._insert_events(cur, session_id, expected_seq, events)
            self._insert_stream(cur, session_id, row[0] - len(stream), stream)
        return True


def _begin_write(cur: sqlite3.Cursor) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write to end in short steps.

    SQLite's own busy handler sleeps 1 ms, then 2, 5, 10... while a write transaction here takes
    a tenth of a millisecond, so with two server processes on one file most of the wait was
    sleep (and, with turns on the event loop, the whole process waited). This polls from 50
    microseconds up, for as long as the busy timeout allows.
    """
    cur.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        pause = 0.00005
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 0.005)
    finally:
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
