"""Stored tokens for ``unstuck probe ... --token T``, as the Slack front end hands them out.

A token opens one thing: posting probe reports to the one session it was issued for, until it
expires. Unlike the signed tokens of ``server.tokens`` it needs no ``UNSTUCK_TOKEN_SECRET``, so
a Slack-only service works without one; only its SHA-256 digest is stored (it is a 256-bit
random string, so a plain digest is enough, as for API keys in ``server.keys``).
"""

from __future__ import annotations

import hashlib
import secrets
import time

from server.storage import Database, ProbeTokenRecord

TOKEN_PREFIX = "usp_"


class ProbeTokenError(Exception):
    """A probe token that opens nothing; the message says why."""


def looks_like_probe_token(text: str) -> bool:
    return text.startswith(TOKEN_PREFIX)


def issue(db: Database, session_id: str, key_id: str, ttl_s: int) -> str:
    """A new token for ``session_id``; returned once, stored only as its digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add_probe_token(_digest(token), session_id, key_id, time.time() + ttl_s)
    return token


def verify(db: Database, token: str, session_id: str, now: float | None = None) -> ProbeTokenRecord:
    """The token's record when it opens ``session_id`` now, else ``ProbeTokenError``."""
    record = db.probe_token(_digest(token))
    if record is None:
        raise ProbeTokenError("it is not a probe token this service issued")
    if record.expires < (now if now is not None else time.time()):
        raise ProbeTokenError("it has expired")
    if record.session_id != session_id:
        raise ProbeTokenError(f"it opens session '{record.session_id}' only")
    return record


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
