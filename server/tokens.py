"""Signed tokens that open one session to whoever holds them, for a while.

A token is ``ust1.<purpose>.<key id>.<session id>.<expires>.<signature>``: an HMAC-SHA256, under
the service's ``UNSTUCK_TOKEN_SECRET``, of everything before the signature. Nothing is stored:
any server process with the same secret checks a token by recomputing its signature, so a
token cannot be looked up, leaked from the store or forgotten by a restart; it ends when it
expires. Each purpose opens one thing:

- ``session``: the widget's calls on its own session (``Authorization: Bearer``);
- ``stream``: the session's event stream, in the query string (EventSource sends no headers),
  so it lives seconds, not hours;
- ``probe``: posting ``unstuck probe`` reports to the session, from the user's machine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, get_args

Purpose = Literal["session", "stream", "probe"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
TOKEN_PREFIX = "ust1."
#: Key and session ids are made of these; the dot separates a token's parts.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class TokenError(Exception):
    """A token that opens nothing: malformed, forged, expired or for another purpose."""


@dataclass(frozen=True)
class Claim:
    """What a valid token says: who issued it (the key), for which session, until when."""

    purpose: Purpose
    key_id: str
    session_id: str
    expires: int
    """Unix time, in seconds, after which the token opens nothing."""


def looks_like_token(text: str) -> bool:
    """Whether ``text`` is meant as a token rather than an API key (it may still be invalid)."""
    return text.startswith(TOKEN_PREFIX)


def issue(
    secret: bytes,
    purpose: Purpose,
    key_id: str,
    session_id: str,
    ttl_s: int,
    now: float | None = None,
) -> tuple[str, Claim]:
    """A token for ``session_id`` (of the key ``key_id``) that expires ``ttl_s`` from now."""
    for name, value in (("key_id", key_id), ("session_id", session_id)):
        if not _ID.match(value):
            raise ValueError(f"{name} {value!r} cannot go into a token: letters, digits, _ and -")
    expires = int(now if now is not None else time.time()) + ttl_s
    claim = Claim(purpose, key_id, session_id, expires)
    body = f"{TOKEN_PREFIX}{purpose}.{key_id}.{session_id}.{expires}"
    return f"{body}.{_signature(secret, body)}", claim


def verify(
    secret: bytes, token: str, purposes: Collection[Purpose], now: float | None = None
) -> Claim:
    """The token's claim when it is valid for one of ``purposes``, or ``TokenError`` saying
    why it opens nothing."""
    body, _, signature = token.rpartition(".")
    parts = body.split(".")
    if not looks_like_token(token) or len(parts) != 5 or not parts[4].isdigit():
        raise TokenError("it is not a token this service issues")
    if not hmac.compare_digest(signature, _signature(secret, body)):
        raise TokenError("its signature does not match (forged, or signed with another secret)")
    _, token_purpose, key_id, session_id, expires = parts
    purpose = _purpose(token_purpose)
    if purpose is None or purpose not in purposes:
        wanted = " or ".join(purposes)
        raise TokenError(f"it is a {token_purpose} token; this needs a {wanted} token")
    if int(expires) < (now if now is not None else time.time()):
        raise TokenError("it has expired")
    return Claim(purpose, key_id, session_id, int(expires))


def _purpose(text: str) -> Purpose | None:
    for purpose in PURPOSES:
        if purpose == text:
            return purpose
    return None


def _signature(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
