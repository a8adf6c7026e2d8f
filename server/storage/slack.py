"""What the Slack front end keeps in the session store, in both dialects alike.

- ``slack_claims``: ids of things already handled (an event delivery, a user's message, a
  clicked message). Slack retries an event it thinks we missed and may deliver one message as
  two events; the first process to insert an id handles it, every later one finds it taken. In
  the database, so it holds across a restart and across server processes.
- ``slack_threads``: which session each thread continues, per workspace (team id).
- ``slack_installations`` and ``slack_oauth_states``: Bolt's OAuth flow (``server.slack.
  installations``).
- ``probe_tokens``: the SHA-256 digest of each ``unstuck probe`` token shown in Slack, with
  the one session it opens and when it expires; the token itself is never stored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

SLACK_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS slack_claims (
        id TEXT PRIMARY KEY, created DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS slack_threads (
        team_id TEXT NOT NULL, channel TEXT NOT NULL, thread_ts TEXT NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(id), created DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (team_id, channel, thread_ts))""",
    """CREATE INDEX IF NOT EXISTS slack_threads_session ON slack_threads (session_id)""",
    """CREATE TABLE IF NOT EXISTS slack_installations (
        enterprise_id TEXT NOT NULL, team_id TEXT NOT NULL, data TEXT NOT NULL,
        installed DOUBLE PRECISION NOT NULL, PRIMARY KEY (enterprise_id, team_id))""",
    """CREATE TABLE IF NOT EXISTS slack_oauth_states (
        state TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS probe_tokens (
        hash TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
        key_id TEXT NOT NULL, expires DOUBLE PRECISION NOT NULL)""",
]


@dataclass(frozen=True)
class ThreadRecord:
    team_id: str
    channel: str
    thread_ts: str
    session_id: str


@dataclass(frozen=True)
class ProbeTokenRecord:
    session_id: str
    key_id: str
    expires: float


class SlackStore(Protocol):
    """The Slack front end's part of ``server.storage.Database``."""

    def claim(self, claim_id: str) -> bool:
        """True the first time ``claim_id`` is claimed, in any process; False ever after."""

    def add_thread(self, thread: ThreadRecord) -> bool:
        """Map a thread to its session; False when the thread has a session already."""

    def thread(self, team_id: str, channel: str, thread_ts: str) -> ThreadRecord | None: ...

    def thread_of_session(self, session_id: str) -> ThreadRecord | None: ...

    def save_installation(self, enterprise_id: str, team_id: str, data: str) -> None: ...

    def installation(self, enterprise_id: str, team_id: str) -> str | None: ...

    def delete_installation(self, enterprise_id: str, team_id: str) -> None: ...

    def add_oauth_state(self, state: str, expires: float) -> None: ...

    def consume_oauth_state(self, state: str) -> bool:
        """True once for a state that was issued and has not expired."""

    def add_probe_token(
        self, digest: str, session_id: str, key_id: str, expires: float
    ) -> None: ...

    def probe_token(self, digest: str) -> ProbeTokenRecord | None: ...

    def prune_slack(self, claimed_before: float, now: float) -> int:
        """Drop claims made before ``claimed_before`` and tokens and OAuth states expired by
        ``now``; how many rows went."""


class SlackQueries:
    """``SlackStore`` over ``server.storage.sql.SQLDatabase``'s cursors (mixed into it)."""

    if TYPE_CHECKING:

        def _cursor(self, write: bool) -> AbstractContextManager[Any]: ...
        def _run(self, cur: Any, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def claim(self, claim_id: str) -> bool:
        with self._cursor(write=True) as cur:
            row = self._run(
                cur,
                "INSERT INTO slack_claims (id, created) VALUES (?, ?) "
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                (claim_id, time.time()),
            ).fetchone()
        return row is not None

    def add_thread(self, thread: ThreadRecord) -> bool:
        with self._cursor(write=True) as cur:
            row = self._run(
                cur,
                "INSERT INTO slack_threads (team_id, channel, thread_ts, session_id, created) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id, channel, thread_ts) DO NOTHING "
                "RETURNING session_id",
                (thread.team_id, thread.channel, thread.thread_ts, thread.session_id, time.time()),
            ).fetchone()
        return row is not None

    def thread(self, team_id: str, channel: str, thread_ts: str) -> ThreadRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT team_id, channel, thread_ts, session_id FROM slack_threads "
                "WHERE team_id = ? AND channel = ? AND thread_ts = ?",
                (team_id, channel, thread_ts),
            ).fetchone()
        return None if row is None else ThreadRecord(*row)

    def thread_of_session(self, session_id: str) -> ThreadRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT team_id, channel, thread_ts, session_id FROM slack_threads "
                "WHERE session_id = ?",
                (session_id,),
            ).fetchone()
        return None if row is None else ThreadRecord(*row)

    def save_installation(self, enterprise_id: str, team_id: str, data: str) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO slack_installations (enterprise_id, team_id, data, installed) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (enterprise_id, team_id) "
                "DO UPDATE SET data = excluded.data, installed = excluded.installed",
                (enterprise_id, team_id, data, time.time()),
            )

    def installation(self, enterprise_id: str, team_id: str) -> str | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT data FROM slack_installations WHERE enterprise_id = ? AND team_id = ?",
                (enterprise_id, team_id),
            ).fetchone()
        return None if row is None else str(row[0])

    def delete_installation(self, enterprise_id: str, team_id: str) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "DELETE FROM slack_installations WHERE enterprise_id = ? AND team_id = ?",
                (enterprise_id, team_id),
            )

    def add_oauth_state(self, state: str, expires: float) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO slack_oauth_states (state, expires) VALUES (?, ?)",
                (state, expires),
            )

    def consume_oauth_state(self, state: str) -> bool:
        with self._cursor(write=True) as cur:
            row = self._run(
                cur,
                "DELETE FROM slack_oauth_states WHERE state = ? RETURNING expires",
                (state,),
            ).fetchone()
        return row is not None and float(row[0]) >= time.time()

    def add_probe_token(self, digest: str, session_id: str, key_id: str, expires: float) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO probe_tokens (hash, session_id, key_id, expires) VALUES (?, ?, ?, ?)",
                (digest, session_id, key_id, expires),
            )

    def probe_token(self, digest: str) -> ProbeTokenRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT session_id, key_id, expires FROM probe_tokens WHERE hash = ?",
                (digest,),
            ).fetchone()
        return None if row is None else ProbeTokenRecord(row[0], row[1], float(row[2]))

    def prune_slack(self, claimed_before: float, now: float) -> int:
        with self._cursor(write=True) as cur:
            gone = 0
            for sql, params in (
                ("DELETE FROM slack_claims WHERE created < ?", (claimed_before,)),
                ("DELETE FROM probe_tokens WHERE expires < ?", (now,)),
                ("DELETE FROM slack_oauth_states WHERE expires < ?", (now,)),
            ):
                gone += max(self._run(cur, sql, params).rowcount, 0)
        return gone
