"""What the SQLite and the PostgreSQL store share: the tables, and the statements both run
alike, written once with ``?`` placeholders, with their rows turned into records.

A subclass of ``SQLDatabase`` connects, runs transactions, creates the tables and commits a
turn in its own dialect.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

from server.errors import StorageUnavailable
from server.storage.records import (
    EventRecord,
    JobRecord,
    KeyRecord,
    SessionRecord,
    StreamItem,
    StreamRecord,
)
from server.storage.slack import SLACK_SCHEMA, SlackQueries


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


Connection = TypeVar("Connection")


def schema(blob: str) -> list[str]:
    """The tables, ``blob`` naming the dialect's type for bytes."""
    return [
        """CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
            origins TEXT NOT NULL, created DOUBLE PRECISION NOT NULL)""",
        # Apart from api_keys, so that a store made before revocation existed gets it from
        # CREATE TABLE IF NOT EXISTS, with no migration.
        """CREATE TABLE IF NOT EXISTS revoked_keys (
            key_id TEXT PRIMARY KEY REFERENCES api_keys(id),
            revoked DOUBLE PRECISION NOT NULL)""",
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
        *SLACK_SCHEMA,
    ]


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


class SQLDatabase(SlackQueries, ABC, Generic[Connection]):
    """The ``Database`` queries both dialects run alike, over one connection per thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()

    # -- what each dialect does its own way ------------------------------------------------

    @abstractmethod
    def _connect(self) -> Connection: ...

    @abstractmethod
    def _transaction(self, conn: Connection, write: bool) -> Iterator[Cursor]:
        """Yield a cursor; with ``write``, inside a transaction that commits when the caller's
        block ends and rolls back when it raises."""

    @abstractmethod
    def _failures(self) -> tuple[type[Exception], ...]:
        """Errors that mean the store is down or busy, not that the request was wrong."""

    def _sql(self, sql: str) -> str:
        """The statement in the driver's placeholder style."""
        return sql

    # -- connections --------------------------------------------------------------------

    def _connection(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._connect()
            except Exception as exc:
                raise StorageUnavailable(
                    f"Cannot open the session store {redact(self.url)}: {exc}. Check "
                    "UNSTUCK_DATABASE_URL and that the database is running."
                ) from exc
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def _cursor(self, write: bool) -> Iterator[Cursor]:
        conn = self._connection()
        try:
            yield from self._transaction(conn, write)
        except self._failures() as exc:
            self.close()
            raise StorageUnavailable(
                f"The session store {redact(self.url)} failed: {exc}. Try again shortly."
            ) from exc

    def _run(self, cur: Cursor, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur.execute(self._sql(sql), params)
        return cur

    def ping(self) -> None:
        with self._cursor(write=False) as cur:
            cur.execute("SELECT 1").fetchone()

    # -- keys ---------------------------------------------------------------------------

    def add_key(self, key_id: str, name: str, digest: str, origins: Sequence[str]) -> bool:
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
                cur,
                "SELECT k.id, k.name, k.origins, r.revoked FROM api_keys k "
                "LEFT JOIN revoked_keys r ON r.key_id = k.id WHERE k.hash = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        return KeyRecord(row[0], row[1], tuple(json.loads(row[2])), row[3])

    def key_revoked(self, key_id: str) -> float | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur, "SELECT revoked FROM revoked_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return None if row is None else float(row[0])

    def revoke_key(self, digest: str) -> KeyRecord | None:
        with self._cursor(write=True) as cur:
            row = self._run(cur, "SELECT id FROM api_keys WHERE hash = ?", (digest,)).fetchone()
            if row is None:
                return None
            revoked = self._run(
                cur, "SELECT revoked FROM revoked_keys WHERE key_id = ?", (row[0],)
            ).fetchone()
            if revoked is None:
                self._run(
                    cur,
                    "INSERT INTO revoked_keys (key_id, revoked) VALUES (?, ?)",
                    (row[0], time.time()),
                )
        return self.key_by_digest(digest)

    def all_origins(self) -> set[str]:
        with self._cursor(write=False) as cur:
            rows = self._run(
                cur,
                "SELECT origins FROM api_keys WHERE id NOT IN (SELECT key_id FROM revoked_keys)",
            ).fetchall()
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
