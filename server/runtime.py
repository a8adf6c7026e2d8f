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

KEY_CACHE_TTL_S = 10.0


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


def start(settings: Settings) -> Runtime:
    db = open_database(settings.database_url)
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
