"""Where sessions live: event logs, event streams, API keys and table jobs.

Two backends with the same behaviour: SQLite (the embedded default) and PostgreSQL (several
server processes share it). The SQL is written once, with ``?`` placeholders.

A session row carries ``seq``, the number of events in its log. A turn is committed with
``UPDATE sessions SET seq = new WHERE id = ? AND seq = old``: when another process got there
first, nothing is written and the caller replays and retries (optimistic concurrency), and the
primary key (session_id, seq) of ``events`` makes a duplicate sequence number impossible.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from server.errors import StorageUnavailable

#: How long a SQLite statement waits for another process's write before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    origins: tuple[str, ...]


@dataclass(frozen=True)
class SessionRecord:
    id: str
    key_id: str
    seq: int


@dataclass(frozen=True)
class EventRecord:
    seq: int
    event: str
    replies: str


@dataclass(frozen=True)
class StreamRecord:
    seq: int
    kind: str
    data: str


@dataclass(frozen=True)
class JobRecord:
    id: str
    session_id: str
    key_id: str
    status: str
    message: str
    probes: str
    filename: str
    format: str
    label: str


@dataclass(frozen=True)
class StreamItem:
    kind: str
    data: str


def _schema(blob: str) -> list[str]:
    return [
        """CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
            origins TEXT NOT NULL, created DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY, key_id TEXT NOT NULL REFERENCES api_keys(id),
            seq INTEGER NOT NULL DEFAULT 0, stream_seq INTEGER NOT NULL DEFAULT 0,
            created DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS events (
            session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
            event TEXT NOT NULL, replies TEXT NOT NULL, PRIMARY KEY (session_id, seq))""",
        """CREATE TABLE IF NOT EXISTS stream (
            session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL,
            kind TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq))""",
        f"""CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            key_id TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
            probes TEXT NOT NULL, filename TEXT NOT NULL, format TEXT NOT NULL,
            label TEXT NOT NULL, payload {blob}, created DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL)""",
    ]


class Database:
    """A thread-safe handle: one connection per thread, opened on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self._local = threading.local()
        # SQLite lets one writer in at a time and makes the others sleep and poll until the lock
        # frees: threads of one process queue on this lock instead, and processes on a file lock.
        self._write_lock = threading.Lock()
        self._writers_file: int | None = None

    # -- connections --------------------------------------------------------------------

    def _connect(self) -> Any:
        try:
            if self.dialect == "sqlite":
                return _connect_sqlite(self.url)
            return _connect_postgres(self.url)
        except Exception as exc:
            raise StorageUnavailable(
                f"Cannot open the session store {redact(self.url)}: {exc}. Check "
                "UNSTUCK_DATABASE_URL and that the database is running."
            ) from exc

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def _writers_turn(self) -> Iterator[None]:
        """The SQLite file's writer lock among the service's processes: ``flock`` on a file
        beside the database, so that a process waiting to write sleeps in the kernel and wakes
        the moment the other lets go, instead of polling SQLite's lock in growing steps.

        Only the service's own processes take it, each for one transaction, and the kernel
        drops it when a process dies. Other programs writing to the file still meet SQLite's
        lock, which ``_begin_write`` waits for."""
        if self._writers_file is None:
            path = sqlite_path(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writers_file = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
            weakref.finalize(self, os.close, self._writers_file)
        fcntl.flock(self._writers_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._writers_file, fcntl.LOCK_UN)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _sql(self, sql: str) -> str:
        return sql if self.dialect == "sqlite" else sql.replace("?", "%s")

    @contextmanager
    def _cursor(self, write: bool) -> Iterator[Cursor]:
        conn = self._connection()
        try:
            if self.dialect == "sqlite":
                with (
                    self._write_lock if write else nullcontext(),
                    self._writers_turn() if write else nullcontext(),
                ):
                    yield from _sqlite_cursor(conn, write)
            else:
                yield from _postgres_cursor(conn, write)
        except _operational_errors() as exc:
            self.close()
            raise StorageUnavailable(
                f"The session store {redact(self.url)} failed: {exc}. Try again shortly."
            ) from exc

    def _run(self, cur: Cursor, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur.execute(self._sql(sql), params)
        return cur

    # -- schema -------------------------------------------------------------------------

    def create_schema(self) -> None:
        blob = "BLOB" if self.dialect == "sqlite" else "BYTEA"
        with self._cursor(write=True) as cur:
            if self.dialect == "postgres":
                # Several processes may start at once: only one creates the tables.
                cur.execute("SELECT pg_advisory_xact_lock(7431)")
            for statement in _schema(blob):
                cur.execute(statement)

    def ping(self) -> None:
        with self._cursor(write=False) as cur:
            cur.execute("SELECT 1").fetchone()

    # -- keys ---------------------------------------------------------------------------

    def add_key(self, key_id: str, name: str, digest: str, origins: Sequence[str]) -> bool:
        """False when a key with this digest exists already."""
        with self._cursor(write=True) as cur:
            found = self._run(cur, "SELECT id FROM api_keys WHERE hash = ?", (digest,)).fetchone()
            if found is not None:
                return False
            self._run(
                cur,
                "INSERT INTO api_keys (id, name, hash, origins, created) VALUES (?, ?, ?, ?, ?)",
                (key_id, name, digest, json.dumps(list(origins)), time.time()),
            )
        return True

    def key_by_digest(self, digest: str) -> KeyRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur, "SELECT id, name, origins FROM api_keys WHERE hash = ?", (digest,)
            ).fetchone()
        return None if row is None else KeyRecord(row[0], row[1], tuple(json.loads(row[2])))

    def all_origins(self) -> set[str]:
        with self._cursor(write=False) as cur:
            rows = self._run(cur, "SELECT origins FROM api_keys").fetchall()
        return {origin for (origins,) in rows for origin in json.loads(origins)}

    # -- sessions -----------------------------------------------------------------------

    def create_session(
        self,
        session_id: str,
        key_id: str,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO sessions (id, key_id, seq, stream_seq, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, key_id, len(events), len(stream), time.time()),
            )
            self._insert_events(cur, session_id, 0, events)
            self._insert_stream(cur, session_id, 0, stream)

    def session(self, session_id: str) -> SessionRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur, "SELECT id, key_id, seq FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return None if row is None else SessionRecord(row[0], row[1], row[2])

    def events(self, session_id: str, after: int = 0) -> list[EventRecord]:
        with self._cursor(write=False) as cur:
            rows = self._run(
                cur,
                "SELECT seq, event, replies FROM events WHERE session_id = ? AND seq > ? "
                "ORDER BY seq",
                (session_id, after),
            ).fetchall()
        return [EventRecord(*row) for row in rows]

    def commit_turn(
        self,
        session_id: str,
        expected_seq: int,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> bool:
        """Append a turn's events and stream items at once; False if the log moved on."""
        if self.dialect == "postgres":
            return self._commit_turn_postgres(session_id, expected_seq, events, stream)
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

    def _commit_turn_postgres(
        self,
        session_id: str,
        expected_seq: int,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> bool:
        """``commit_turn`` as one statement, so one round trip and one transaction (the
        connection is in autocommit): the inserts take their rows from the sequence check's
        ``RETURNING``, so they write nothing when it matched no row."""
        with self._cursor(write=False) as cur:
            row = cur.execute(
                _POSTGRES_COMMIT_TURN,
                {
                    "id": session_id,
                    "old": expected_seq,
                    "new": expected_seq + len(events),
                    "events": [event for event, _ in events],
                    "replies": [replies for _, replies in events],
                    "count": len(stream),
                    "kinds": [item.kind for item in stream],
                    "data": [item.data for item in stream],
                },
            ).fetchone()
        return row is not None

    def append_stream(self, session_id: str, stream: Sequence[StreamItem]) -> None:
        with self._cursor(write=True) as cur:
            self._append_stream(cur, session_id, stream)

    def _append_stream(self, cur: Cursor, session_id: str, stream: Sequence[StreamItem]) -> None:
        row = self._run(
            cur,
            "UPDATE sessions SET stream_seq = stream_seq + ? WHERE id = ? RETURNING stream_seq",
            (len(stream), session_id),
        ).fetchone()
        if row is not None:
            self._insert_stream(cur, session_id, row[0] - len(stream), stream)

    def stream(self, session_id: str, after: int, limit: int = 500) -> list[StreamRecord]:
        with self._cursor(write=False) as cur:
            rows = self._run(
                cur,
                "SELECT seq, kind, data FROM stream WHERE session_id = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (session_id, after, limit),
            ).fetchall()
        return [StreamRecord(*row) for row in rows]

    def _insert_events(
        self, cur: Cursor, session_id: str, start: int, events: Sequence[tuple[str, str]]
    ) -> None:
        if events:
            cur.executemany(
                self._sql(
                    "INSERT INTO events (session_id, seq, event, replies) VALUES (?, ?, ?, ?)"
                ),
                [
                    (session_id, start + offset, event, replies)
                    for offset, (event, replies) in enumerate(events, 1)
                ],
            )

    def _insert_stream(
        self, cur: Cursor, session_id: str, start: int, stream: Sequence[StreamItem]
    ) -> None:
        if stream:
            cur.executemany(
                self._sql("INSERT INTO stream (session_id, seq, kind, data) VALUES (?, ?, ?, ?)"),
                [
                    (session_id, start + offset, item.kind, item.data)
                    for offset, item in enumerate(stream, 1)
                ],
            )

    # -- jobs ---------------------------------------------------------------------------

    def create_job(self, job: JobRecord, payload: bytes, announce: StreamItem) -> None:
        now = time.time()
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO jobs (id, session_id, key_id, status, message, probes, filename, "
                "format, label, payload, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.session_id,
                    job.key_id,
                    job.status,
                    job.message,
                    job.probes,
                    job.filename,
                    job.format,
                    job.label,
                    payload,
                    now,
                    now,
                ),
            )
            self._append_stream(cur, job.session_id, [announce])

    def job(self, job_id: str) -> JobRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT id, session_id, key_id, status, message, probes, filename, format, "
                "label FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        return None if row is None else JobRecord(*row)

    def job_payload(self, job_id: str) -> bytes:
        with self._cursor(write=False) as cur:
            row = self._run(cur, "SELECT payload FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return b"" if row is None or row[0] is None else bytes(row[0])

    def update_job(
        self, job: JobRecord, status: str, message: str, probes: str, announce: StreamItem
    ) -> None:
        """Record a job's new status; a finished job drops its table."""
        finished = status in ("done", "failed")
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "UPDATE jobs SET status = ?, message = ?, probes = ?, updated = ?"
                + (", payload = NULL" if finished else "")
                + " WHERE id = ?",
                (status, message, probes, time.time(), job.id),
            )
            self._append_stream(cur, job.session_id, [announce])


_POSTGRES_COMMIT_TURN = """
WITH moved AS (
    UPDATE sessions SET seq = %(new)s, stream_seq = stream_seq + %(count)s
    WHERE id = %(id)s AND seq = %(old)s RETURNING stream_seq
), new_events AS (
    INSERT INTO events (session_id, seq, event, replies)
    SELECT %(id)s, %(old)s + e.n, e.event, e.replies
    FROM moved, unnest(%(events)s::text[], %(replies)s::text[]) WITH ORDINALITY
        AS e(event, replies, n)
), new_items AS (
    INSERT INTO stream (session_id, seq, kind, data)
    SELECT %(id)s, moved.stream_seq - %(count)s + i.n, i.kind, i.data
    FROM moved, unnest(%(kinds)s::text[], %(data)s::text[]) WITH ORDINALITY AS i(kind, data, n)
)
SELECT stream_seq FROM moved
"""


def dialect_of(url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return "postgres"
    raise ValueError(
        f"UNSTUCK_DATABASE_URL is {redact(url)!r}; expected sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host:5432/database."
    )


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _connect_sqlite(url: str) -> sqlite3.Connection:
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _connect_postgres(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _sqlite_cursor(conn: sqlite3.Connection, write: bool) -> Iterator[Cursor]:
    cur = conn.cursor()
    if not write:
        yield cur
        return
    _begin_write(cur)
    try:
        yield cur
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _begin_write(cur: sqlite3.Cursor) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write to end in short steps.

    SQLite's own busy handler sleeps 1 ms, then 2, 5, 10... while a write transaction here takes
    a tenth of a millisecond, so with two server processes on one file most of the wait was
    sleep (and, with turns on the event loop, the whole process waited). This polls from 50
    microseconds up, for as long as the busy timeout allows.
    """
    cur.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
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
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")


def _postgres_cursor(conn: Any, write: bool) -> Iterator[Cursor]:
    if not write:
        with conn.cursor() as cur:
            yield cur
        return
    with conn.transaction(), conn.cursor() as cur:
        yield cur


def _operational_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the store is down or busy, not that the request was wrong."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.OperationalError,)
    return (sqlite3.OperationalError, psycopg.OperationalError)
