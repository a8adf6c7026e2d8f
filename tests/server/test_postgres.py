"""The same behaviour on PostgreSQL, with two server processes sharing one database."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import MakeServer
from serverharness import KEY_B, Server


@pytest.mark.parametrize("turns_on_loop", ["false", "true"])
def test_two_processes_on_postgresql_serve_one_session_consistently(
    make_server: MakeServer, postgres_url: str, turns_on_loop: str
) -> None:
    first = make_server(postgres_url, turns_on_loop=turns_on_loop)
    second = make_server(postgres_url, turns_on_loop=turns_on_loop)
    with first.client() as client:
        created = client.post("/v1/sessions", json={"message": "the loss is nan"})
    session_id = created.json()["id"]
    acknowledged: dict[str, list[Any]] = {}

    def post(server: Server, texts: list[str]) -> None:
        with server.client() as client:
            for text in texts:
                response = client.post(f"/v1/sessions/{session_id}/messages", json={"text": text})
                acknowledged[text] = response.json().get("replies", response.json())

    threads = [
        threading.Thread(target=post, args=(server, [f"nan again {n}-{i}" for i in range(8)]))
        for n, server in enumerate([first, second, first, second])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with second.client() as client:
        view = client.get(f"/v1/sessions/{session_id}").json()
        health = client.get("/healthz").json()
    entries = view["transcript"]
    assert health == {"status": "ok", "database": "postgres"}
    assert created.status_code == 201
    assert len(acknowledged) == 32
    assert all(isinstance(replies, list) for replies in acknowledged.values()), acknowledged
    assert [entry["seq"] for entry in entries] == list(range(1, 34))
    stored = {entry["event"]["text"]: entry["replies"] for entry in entries}
    assert all(stored[text] == replies for text, replies in acknowledged.items())


def test_a_postgresql_session_survives_a_restart_and_keeps_its_stream(
    make_server: MakeServer, postgres_url: str
) -> None:
    server = make_server(postgres_url)
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss stuck"}).json()["id"]
        client.post(f"/v1/sessions/{session_id}/messages", json={"text": "why"})
        before = client.get(f"/v1/sessions/{session_id}").json()
        stream = client.get(f"/v1/sessions/{session_id}/events", params={"follow": "false"}).text
    server.restart()
    with server.client() as client:
        after = client.get(f"/v1/sessions/{session_id}").json()
        replayed = client.get(
            f"/v1/sessions/{session_id}/events",
            params={"follow": "false"},
            headers={"Last-Event-ID": "0"},
        ).text
        other = client.get(
            f"/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {KEY_B}"}
        )
    assert after == before
    assert replayed == stream
    assert other.status_code == 404
