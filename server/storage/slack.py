"""What the Slack front end keeps in the session store, in both dialects alike.

- ``slack_claims``: ids of things already handled (an event delivery, a user's message, a
  clicked message). Slack retries an event it thinks we missed and may deliver one message as
  two events; the first process to insert an id handles it, every later one finds it taken. In
  the database, so it holds across a restart and across server processes.
- ``slack_replies``: how far the work on a claim got: the reply worked out for it, kept before
  it is sent, and when it was sent. A claim with no reply sent that is older than the takeover
  time belongs to a process that died (or a post that failed); a retry may then take it over,
  and sends the kept reply instead of running the turn again. Its own table rather than new
  columns of ``slack_claims``, so that a store made before it gets it with no migration.
- ``slack_teams``: the Enterprise Grid organisation of each workspace seen in a request, and
  whether its installation is the organisation's (org-wide), so that work no request brought
  (a probe report joining a thread) finds the bot token as Bolt finds it for a request.
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
    """CREATE TABLE IF NOT EXISTS slack_replies (
        id TEXT PRIMARY KEY, reply TEXT, replied DOUBLE PRECISION,
        updated DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS slack_teams (
        team_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL,
        enterprise_install INTEGER NOT NULL, seen DOUBLE PRECISION NOT NULL)""",
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
class Claim:
    """A claim this caller now holds (see ``SlackStore.claim``)."""

    reply: str | None = None
    """The reply kept by an earlier holder that died before sending it, or None."""


@dataclass(frozen=True)
class TeamRecord:
    """A workspace of an Enterprise Grid organisation, as its last request showed it."""

    team_id: str
    enterprise_id: str
    enterprise_install: bool
    """Whether the app is installed for the whole organisation rather than this workspace."""


@dataclass(frozen=True)
class ProbeTokenRecord:
    session_id: str
    key_id: str
    expires: float


class SlackStore(Protocol):
    """The Slack front end's part of ``server.storage.Database``."""

    def claim(self, claim_id: str, stale_before: float = 0.0) -> Claim | None:
        """The claim the first time ``claim_id`` is claimed, in any process; None ever after,
        except for a claim made before ``stale_before`` whose reply was never sent: that one
        is taken over (once), carrying the reply its holder kept, if any."""

    def keep_reply(self, claim_id: str, reply: str) -> None:
        """Keep the reply worked out for a claim, before it is sent."""

    def replied(self, claim_id: str) -> None:
        """The claim's reply was sent: it is never taken over."""

    def save_team(self, team: TeamRecord) -> None: ...

    def team(self, team_id: str) -> TeamRecord | None: ...

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

    def claim(self, claim_id: str, stale_before: float = 0.0) -> Claim | None:
        with self._cursor(write=True) as cur:
            # A taken-over claim gets a new time, so that a second retry finds it fresh.
            row = self._run(
                cur,
                "INSERT INTO slack_claims (id, created) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET created = excluded.created "
                "WHERE slack_claims.created < ? AND NOT EXISTS (SELECT 1 FROM slack_replies "
                "WHERE slack_replies.id = slack_claims.id AND slack_replies.replied IS NOT NULL) "
                "RETURNING id",
                (claim_id, time.time(), stale_before),
            ).fetchone()
            if row is None:
                return None
            kept = self._run(
                cur, "SELECT reply FROM slack_replies WHERE id = ?", (claim_id,)
            ).fetchone()
        return Claim(None if kept is None else kept[0])

    def keep_reply(self, claim_id: str, reply: str) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO slack_replies (id, reply, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET reply = excluded.reply, updated = excluded.updated",
                (claim_id, reply, time.time()),
            )

    def replied(self, claim_id: str) -> None:
        now = time.time()
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO slack_replies (id, replied, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET replied = excluded.replied, "
                "updated = excluded.updated",
                (claim_id, now, now),
            )

    def save_team(self, team: TeamRecord) -> None:
        with self._cursor(write=True) as cur:
            self._run(
                cur,
                "INSERT INTO slack_teams (team_id, enterprise_id, enterprise_install, seen) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET "
                "enterprise_id = excluded.enterprise_id, "
                "enterprise_install = excluded.enterprise_install, seen = excluded.seen",
                (team.team_id, team.enterprise_id, int(team.enterprise_install), time.time()),
            )

    def team(self, team_id: str) -> TeamRecord | None:
        with self._cursor(write=False) as cur:
            row = self._run(
                cur,
                "SELECT team_id, enterprise_id, enterprise_install FROM slack_teams "
                "WHERE team_id = ?",
                (team_id,),
            ).fetchone()
        return None if row is None else TeamRecord(row[0], row[1], bool(row[2]))

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
                ("DELETE FROM slack_replies WHERE updated < ?", (claimed_before,)),
                ("DELETE FROM probe_tokens WHERE expires < ?", (now,)),
                ("DELETE FROM slack_oauth_states WHERE expires < ?", (now,)),
            ):
                gone += max(self._run(cur, sql, params).rowcount, 0)
        return gone
