"""Where sessions live: event logs, event streams, API keys and table jobs.

``Database`` is what the service asks of its store; ``open_database`` picks one of the two
implementations with the same behaviour by the URL: SQLite (``server.storage.sqlite``, the
embedded default) and PostgreSQL (``server.storage.postgres``, which several server processes
share). What both run alike is in ``server.storage.sql``.

A session row carries ``seq``, the number of events in its log. A turn is committed with
``UPDATE sessions SET seq = new WHERE id = ? AND seq = old``: when another process got there
first, nothing is written and the caller replays and retries (optimistic concurrency), and the
primary key (session_id, seq) of ``events`` makes a duplicate sequence number impossible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from server.storage.postgres import PostgresDatabase
from server.storage.records import (
    EventRecord,
    JobRecord,
    KeyRecord,
    SessionRecord,
    StreamItem,
    StreamRecord,
)
from server.storage.slack import Claim, ProbeTokenRecord, SlackStore, TeamRecord, ThreadRecord
from server.storage.sql import redact
from server.storage.sqlite import SQLiteDatabase

__all__ = [
    "Claim",
    "Database",
    "Dialect",
    "EventRecord",
    "JobRecord",
    "KeyRecord",
    "ProbeTokenRecord",
    "SessionRecord",
    "StreamItem",
    "StreamRecord",
    "TeamRecord",
    "ThreadRecord",
    "open_database",
]

Dialect = Literal["sqlite", "postgres"]


class Database(SlackStore, Protocol):
    """A thread-safe handle on the session store: it connects on first use, one connection
    per thread. A store that is down or busy raises ``StorageUnavailable``."""

    @property
    def dialect(self) -> Dialect: ...

    def close(self) -> None:
        """Close this thread's connection; the next call opens another."""

    def create_schema(self) -> None:
        """Create the tables that are missing; several processes may call it at once."""

    def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the store answers."""

    def add_key(self, key_id: str, name: str, digest: str, origins: Sequence[str]) -> bool:
        """False when a key with this digest exists already."""

    def key_by_digest(self, digest: str) -> KeyRecord | None:
        """The key with this digest, revoked or not (``KeyRecord.revoked``)."""

    def key_revoked(self, key_id: str) -> float | None:
        """When the key was revoked (Unix time), or None while it works."""

    def revoke_key(self, digest: str) -> KeyRecord | None:
        """Revoke the key with this digest (once: a second call keeps the first time);
        None when there is no such key."""

    def all_origins(self) -> set[str]:
        """Every browser origin that some key allows."""

    def create_session(
        self,
        session_id: str,
        key_id: str,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> None:
        """A new session whose log starts with ``events`` (event and replies, as JSON)."""

    def session(self, session_id: str) -> SessionRecord | None: ...

    def events(self, session_id: str, after: int = 0) -> list[EventRecord]:
        """The log's events after sequence number ``after``, in order."""

    def commit_turn(
        self,
        session_id: str,
        expected_seq: int,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> bool:
        """Append a turn's events and stream items at once; False, with nothing written, when
        the log is no longer ``expected_seq`` events long."""

    def append_stream(self, session_id: str, stream: Sequence[StreamItem]) -> None:
        """Add items to the session's event stream (none when there is no such session)."""

    def stream(self, session_id: str, after: int, limit: int = 500) -> list[StreamRecord]:
        """The stream's items after sequence number ``after``, in order."""

    def create_job(self, job: JobRecord, payload: bytes, announce: StreamItem) -> None:
        """Store a table job with its uploaded table and announce it on the session's stream."""

    def job(self, job_id: str) -> JobRecord | None: ...

    def job_payload(self, job_id: str) -> bytes:
        """The job's uploaded table; empty once the job has finished."""

    def update_job(
        self, job: JobRecord, status: str, message: str, probes: str, announce: StreamItem
    ) -> None:
        """Record a job's new status; a finished job drops its table."""


def open_database(url: str) -> Database:
    """The store at ``url``, not yet connected."""
    if url.startswith("sqlite:///"):
        return SQLiteDatabase(url)
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return PostgresDatabase(url)
    raise ValueError(
        f"UNSTUCK_DATABASE_URL is {redact(url)!r}; expected sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host:5432/database."
    )
