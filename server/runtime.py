"""What one server process holds: the store, the engine, the sessions, the limits, the jobs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import knowledge
from assistant.engine import Engine
from server import keys
from server.jobs import JobQueue
from server.ratelimit import RateLimiter
from server.sessions import SessionService
from server.settings import Settings
from server.storage import Database, KeyRecord

KEY_CACHE_TTL_S = 10.0


@lru_cache
def build_engine() -> Engine:
    """The engine, built once per process (the knowledge base is read and checked here)."""
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

    def key(self, plain_key: str) -> KeyRecord | None:
        """The key's record, cached for a few seconds so that each request costs no query."""
        digest = keys.digest(plain_key)
        now = time.monotonic()
        with self._keys_lock:
            cached = self._keys.get(digest)
        if cached is not None and now - cached[0] < KEY_CACHE_TTL_S:
            return cached[1]
        record = self.db.key_by_digest(digest)
        with self._keys_lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (now, record)
        return record


def start(settings: Settings) -> Runtime:
    db = Database(settings.database_url)
    db.create_schema()
    for seed in settings.seed_keys:
        keys.add_key(db, seed.name, seed.key, seed.origins)
    engine = build_engine()
    sessions = SessionService(db, engine, settings.public_url, settings.session_cache)
    return Runtime(
        settings=settings,
        db=db,
        sessions=sessions,
        limiter=RateLimiter(settings.rate_limit, settings.rate_window_s),
        jobs=JobQueue.for_settings(settings, sessions),
    )
