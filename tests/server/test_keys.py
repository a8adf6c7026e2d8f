"""API keys: stored hashed, owning their sessions, each with its allowed origins (CORS)."""

from __future__ import annotations

import sqlite3

import pytest
from serverharness import KEY_B, ORIGIN_A, ORIGIN_B, Server

from server.keys import create_key, digest
from server.storage import open_database


@pytest.fixture(scope="module")
def session_of_a(shared_server: Server) -> str:
    with shared_server.client() as client:
        return str(client.post("/v1/sessions", json={"message": "loss is nan"}).json()["id"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/why"),
        ("GET", "/events"),
        ("GET", "/causes/train.lr_too_high"),
        ("POST", "/undo"),
        ("POST", "/restart"),
    ],
)
def test_another_key_cannot_see_the_session(
    shared_server: Server, session_of_a: str, method: str, path: str
) -> None:
    with shared_server.client(key=KEY_B) as client:
        response = client.request(method, f"/v1/sessions/{session_of_a}{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_not_found"


def test_another_key_cannot_post_to_the_session(shared_server: Server, session_of_a: str) -> None:
    with shared_server.client(key=KEY_B) as client:
        message = client.post(f"/v1/sessions/{session_of_a}/messages", json={"text": "hi"})
    with shared_server.client() as owner:
        transcript = owner.get(f"/v1/sessions/{session_of_a}").json()["transcript"]
    assert message.status_code == 404
    assert [entry["event"]["text"] for entry in transcript] == ["loss is nan"]


def test_a_new_key_is_stored_as_a_digest_and_works_at_once(shared_server: Server) -> None:
    url = shared_server.env["UNSTUCK_DATABASE_URL"]
    plain = create_key(open_database(url), "team-ml", ["https://team.example/"])
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        stored = conn.execute(
            "SELECT hash, origins FROM api_keys WHERE name = 'team-ml'"
        ).fetchall()
    with shared_server.client(key=plain) as client:
        created = client.post("/v1/sessions", json={})
    assert plain.startswith("uk_") and len(plain) > 40
    assert stored == [(digest(plain), '["https://team.example"]')]
    assert len(digest(plain)) == 64
    assert created.status_code == 201


def test_a_preflight_is_answered_for_origins_some_key_allows(shared_server: Server) -> None:
    with shared_server.client(key=None) as client:
        allowed = client.options(
            "/v1/sessions",
            headers={"Origin": ORIGIN_A, "Access-Control-Request-Method": "POST"},
        )
        refused = client.options(
            "/v1/sessions",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN_A
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "origin_not_allowed",
            "message": "No API key allows requests from https://evil.example. Add it to the "
            "key's origins.",
        }
    }
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize(
    ("origin", "allowed"), [(ORIGIN_A, True), (ORIGIN_B, False)], ids=["own", "other-key's"]
)
def test_a_response_allows_only_the_origins_of_its_own_key(
    shared_server: Server, session_of_a: str, origin: str, allowed: bool
) -> None:
    with shared_server.client(Origin=origin) as client:
        response = client.get(f"/v1/sessions/{session_of_a}/why")
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert response.headers["Vary"] == "Origin"
