"""Threads and their sessions: one thread is one session, and sessions belong to a workspace.

Each workspace (Slack team id) owns its sessions through a key record of its own in the store
(``slack_<team id>``), so the service's ownership check (``SessionService.owned``) keeps one
workspace's sessions out of another's reach as it keeps one API key's from another's. Its
digest column holds ``slack:<team id>``, which no SHA-256 hex digest of a bearer key can equal,
so no API key opens a workspace's sessions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from server.storage import Database, KeyRecord, ThreadRecord


@dataclass(frozen=True)
class Thread:
    """Where a conversation lives: the workspace, the channel and the thread's first message."""

    team_id: str
    channel: str
    thread_ts: str

    def record(self, session_id: str) -> ThreadRecord:
        return ThreadRecord(self.team_id, self.channel, self.thread_ts, session_id)

    @staticmethod
    def of(record: ThreadRecord) -> Thread:
        return Thread(record.team_id, record.channel, record.thread_ts)


class TeamKeys:
    """The key record that owns a workspace's sessions, made on first use."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def key(self, team_id: str) -> KeyRecord:
        record = KeyRecord(id=f"slack_{team_id}", name=f"slack:{team_id}", origins=())
        if team_id in self._known:
            return record
        if self.db.key_by_digest(record.name) is None:
            try:
                self.db.add_key(record.id, record.name, record.name, [])
            except Exception:
                # Another process made it in between (the id is the primary key).
                if self.db.key_by_digest(record.name) is None:
                    raise
        with self._lock:
            self._known.add(team_id)
        return record


def session_of(db: Database, thread: Thread) -> str | None:
    """The session that ``thread`` continues, or None when it is not an unstuck thread."""
    record = db.thread(thread.team_id, thread.channel, thread.thread_ts)
    return None if record is None else record.session_id


def bind(db: Database, thread: Thread, session_id: str) -> str:
    """Make ``session_id`` the thread's session; when another process bound one first, that
    one (the thread keeps one session)."""
    if db.add_thread(thread.record(session_id)):
        return session_id
    existing = session_of(db, thread)
    return existing if existing is not None else session_id


def thread_of(db: Database, session_id: str) -> Thread | None:
    record = db.thread_of_session(session_id)
    return None if record is None else Thread.of(record)
