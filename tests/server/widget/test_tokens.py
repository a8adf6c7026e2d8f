"""Signed session tokens: what they open, for how long, and what they refuse."""

from __future__ import annotations

import re

import pytest

from server import tokens
from server.widget.routes import SESSION_ONLY

SECRET = b"s" * 32
NOW = 1_800_000_000.0


def test_a_token_says_who_issued_it_for_which_session_until_when() -> None:
    token, claim = tokens.issue(SECRET, "session", "key_ab12", "s_Xy-9_z", 600, now=NOW)
    assert token.startswith("ust1.session.key_ab12.s_Xy-9_z.1800000600.")
    assert tokens.verify(SECRET, token, SESSION_ONLY, now=NOW + 599) == claim
    assert claim == tokens.Claim("session", "key_ab12", "s_Xy-9_z", 1_800_000_600)


def _token(purpose: tokens.Purpose = "session") -> str:
    return tokens.issue(SECRET, purpose, "key_ab12", "s_1", 600, now=NOW)[0]


@pytest.mark.parametrize(
    ("token", "secret", "purposes", "now", "why"),
    [
        (_token(), SECRET, ("session",), NOW + 601, "it has expired"),
        (
            _token(),
            b"t" * 32,
            ("session",),
            NOW,
            "its signature does not match (forged, or signed with another secret)",
        ),
        (
            _token().replace("s_1", "s_2"),
            SECRET,
            ("session",),
            NOW,
            "its signature does not match (forged, or signed with another secret)",
        ),
        (
            _token("stream"),
            SECRET,
            ("session",),
            NOW,
            "it is a stream token; this needs a session token",
        ),
        (
            _token("session"),
            SECRET,
            ("probe",),
            NOW,
            "it is a session token; this needs a probe token",
        ),
        ("uk_plain-api-key", SECRET, ("session",), NOW, "it is not a token this service issues"),
        ("ust1.session.a.b", SECRET, ("session",), NOW, "it is not a token this service issues"),
    ],
    ids=["expired", "other-secret", "edited", "wrong-purpose", "not-probe", "api-key", "short"],
)
def test_a_token_that_opens_nothing_says_why(
    token: str, secret: bytes, purposes: tuple[tokens.Purpose, ...], now: float, why: str
) -> None:
    with pytest.raises(tokens.TokenError) as raised:
        tokens.verify(secret, token, purposes, now=now)
    assert str(raised.value) == why


def test_ids_that_would_change_a_tokens_parts_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("session_id 's.1' cannot go into a token")):
        tokens.issue(SECRET, "session", "key_1", "s.1", 600)
