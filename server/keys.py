"""API keys: each one names a portal or a team, owns its sessions and lists its origins.

Only the SHA-256 digest of a key is stored. Keys are 256-bit random tokens, so a plain digest
is enough: there is nothing to brute-force the way there is with a password.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence

from server.storage import Database, KeyRecord

KEY_PREFIX = "uk_"


def digest(plain_key: str) -> str:
    return hashlib.sha256(plain_key.encode()).hexdigest()


def create_key(db: Database, name: str, origins: Sequence[str]) -> str:
    """A new key for ``name``, allowed from ``origins`` (``https://portal.example.com``).

    Returns the key itself: it is shown once and never stored.
    """
    plain_key = KEY_PREFIX + secrets.token_urlsafe(32)
    add_key(db, name, plain_key, origins)
    return plain_key


def add_key(db: Database, name: str, plain_key: str, origins: Iterable[str]) -> bool:
    """Store a key chosen by the operator; False if it exists already."""
    key_id = "key_" + secrets.token_hex(8)
    return db.add_key(key_id, name, digest(plain_key), [o.rstrip("/") for o in origins])


def find_key(db: Database, plain_key: str) -> KeyRecord | None:
    return db.key_by_digest(digest(plain_key))


def revoke_key(db: Database, plain_key: str) -> KeyRecord | None:
    """Revoke the key: from the next second on, on every server process, it opens no session
    and no call, and neither do the widget and ``unstuck probe`` tokens issued under it.
    Returns its record (with the time of revocation), or None when the store has no such key."""
    return db.revoke_key(digest(plain_key))
