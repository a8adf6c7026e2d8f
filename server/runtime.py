"""What one server process holds: the store, the engine, the sessions, the limits, the jobs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import knowledge
from assistant.core.engine import Engine
from assistant.core.reading import text_model
from server import keys
from server.jobs import JobQueue
from server.ratelimit import RateLimiter
from server.sessions import SessionService
from server.settings import Settings
from server.storage import Database, KeyRecord, open_database

#: How long a key's record and its revocation are trusted without asking the store again: a
#: revoked key stops on every server process within this time (the operator's promise). At
#: one query per key per second the cache still spares the store almost every request.
KEY_CACHE_TTL_S = 1.0


@lru_cache
def build_engine() -> Engine:
    """The engine, built once per process (the knowledge base is read and checked here).

    The free-text model is trained here too, at start-up, rather than inside the first request
    whose wording the phrase patterns do not cover (a second or two)."""
    text_model()
    return Engine(knowledge.bundled())


@dataclass
class Runtime:
    settings: Settings
    db: Database
    sessions: SessionService
    limiter: RateLimiter
    jobs: JobQueue
    _keys: dict[str, tuple[float, KeyRecord | None]] = field(default_factory=dict)
    _keys_lock: threading.Lock = field(default_factory=threading.Lock)
    _revoked: dict[str, tuple[float, float | None]] = field(default_factory=dict)

    @property
    def inline_store(self) -> bool:
        """Whether session operations run on the event loop (see ``server.api._call``)."""
        if self.settings.turns_on_loop is not None:
            return self.settings.turns_on_loop
        return self.db.dialect == "sqlite"

    def cached_key(self, plain_key: str) -> tuple[bool, KeyRecord | None]:
        """``(True, record)`` when the key was looked up in the last few seconds (``record`` is
        None for a key the store does not have), else ``(False, None)``: call ``key``."""
        cached = self._keys.get(keys.digest(plain_key))
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_TTL_S:
            return True, cached[1]
        return False, None

    def key(self, plain_key: str) -> KeyRecord | None:
        """The key's record, cached for a few seconds so that each request costs no query."""
        found, cached = self.cached_key(plain_key)
        if found:
            return cached
        digest = keys.digest(plain_key)
        now = time.monotonic()
        record = self.db.key_by_digest(digest)
        with self._keys_lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (now, record)
        return record

    def cached_revocation(self, key_id: str) -> tuple[bool, float | None]:
        """``(True, when)`` when the key's revocation was looked up in the last second
        (``when`` is None for a key that works), else ``(False, None)``: call ``revoked``."""
        cached = self._revoked.get(key_id)
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_TTL_S:
            return True, cached[1]
        return False, None

    def revoked(self, key_id: str) -> float | None:
        """When the key ``key_id`` was revoked, or None: for tokens, which name the key by id
        and outlive a revocation unless each use checks it."""
        found, cached = self.cached_revocation(key_id)
        if found:
            return cached
        now = time.monotonic()
        when = self.db.key_revoked(key_id)
        with self._keys_lock:
            if len(self._revoked) > 10_000:
                self._revoked.clear()
            self._revoked[key_id] = (now, when)
        return when


def start(settings: Settings) -> Runtime:
    db = open_database(settings.database_url)
    db.create_schema()
    for seed in settings.seed_keys:
        keys.add_key(db, seed.name, seed.key, seed.origins)
        if seed.revoked:
            keys.revoke_key(db, seed.key)
    engine = build_engine()
    sessions = SessionService(db, engine, settings.public_url, settings.session_cache)
    return Runtime(
        settings=settings,
        db=db,
        sessions=sessions,
        limiter=RateLimiter(settings.rate_limit, settings.rate_window_s),
        jobs=JobQueue.for_settings(settings, sessions),
    )
