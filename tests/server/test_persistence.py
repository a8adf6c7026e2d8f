"""Sessions survive a restart and a kill -9 in the middle of turns; concurrent turns serialise."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from conftest import MakeServer
from serverharness import Server

from assistant.core.replies import REPLIES_ADAPTER


def transcript(server: Server, session_id: str) -> list[dict[str, Any]]:
    with server.client() as client:
        entries: list[dict[str, Any]] = client.get(f"/v1/sessions/{session_id}").json()[
            "transcript"
        ]
    return entries


def post_many(
    server: Server,
    session_id: str,
    texts: list[str],
    workers: int = 8,
    acknowledged: dict[str, list[Any]] | None = None,
) -> dict[str, list[Any]]:
    """Post the texts from several threads; the replies of those that were acknowledged."""
    acknowledged = {} if acknowledged is None else acknowledged
    queue = list(reversed(texts))

    def post_until_empty() -> None:
        with server.client() as client:
            while queue:
                text = queue.pop()
                try:
                    response = client.post(
                        f"/v1/sessions/{session_id}/messages", json={"text": text}
                    )
                except httpx.TransportError:
                    return  # the server was killed under this request
                if response.status_code == 200:
                    acknowledged[text] = response.json()["replies"]

    threads = [threading.Thread(target=post_until_empty) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return acknowledged


def test_a_session_survives_a_restart(make_server: MakeServer) -> None:
    server = make_server()
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss stuck at 0.69"}).json()[
            "id"
        ]
        pending = client.get(f"/v1/sessions/{session_id}").json()["pending"]
        client.post(
            f"/v1/sessions/{session_id}/answers",
            json={"question": pending["id"], "value": pending["choices"][0]["value"]},
        )
        before = client.get(f"/v1/sessions/{session_id}").json()
    server.restart()
    with server.client() as client:
        after = client.get(f"/v1/sessions/{session_id}").json()
        going_on = client.post(f"/v1/sessions/{session_id}/messages", json={"text": "skip"})
    assert after == before
    assert going_on.status_code == 200
    assert len(transcript(server, session_id)) == 3


def test_concurrent_turns_on_one_session_are_serialised(make_server: MakeServer) -> None:
    server = make_server()
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss is nan"}).json()["id"]
    texts = [f"the loss is nan, try {i}" for i in range(24)]
    acknowledged = post_many(server, session_id, texts)
    entries = transcript(server, session_id)
    assert len(acknowledged) == 24
    assert [entry["seq"] for entry in entries] == list(range(1, 26))
    stored = {entry["event"]["text"]: entry["replies"] for entry in entries}
    assert all(stored[text] == replies for text, replies in acknowledged.items())


def test_a_kill_minus_9_in_the_middle_of_turns_loses_no_acknowledged_turn(
    make_server: MakeServer,
) -> None:
    server = make_server()
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss is nan"}).json()["id"]
    texts = [f"the loss is nan, try {i}" for i in range(300)]
    acknowledged: dict[str, list[Any]] = {}
    poster = threading.Thread(target=post_many, args=(server, session_id, texts, 8, acknowledged))
    poster.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    poster.join(timeout=120)
    server.start()
    entries = transcript(server, session_id)
    said = [entry["event"]["text"] for entry in entries]
    assert 0 < len(acknowledged) < len(texts), "the kill should land in the middle of the turns"
    assert [entry["seq"] for entry in entries] == list(range(1, len(entries) + 1))
    assert set(acknowledged) <= set(said)
    assert set(said[1:]) <= set(texts)
    assert all(REPLIES_ADAPTER.validate_python(entry["replies"]) for entry in entries)
    with server.client() as client:
        assert client.post(f"/v1/sessions/{session_id}/undo").status_code == 200


def test_two_worker_processes_on_sqlite_keep_one_session_consistent(
    make_server: MakeServer,
) -> None:
    """``unstuck serve --workers 2``: each post opens a new connection, so the two processes
    take turns on one session at random and must each catch up on what the other stored."""
    server = make_server(workers=2)
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss is nan"}).json()["id"]
    texts = [f"the loss is nan, round {i}" for i in range(40)]
    acknowledged: dict[str, list[Any]] = {}
    queue = list(reversed(texts))

    def post_each_on_a_new_connection() -> None:
        while queue:
            text = queue.pop()
            with server.client() as client:
                response = client.post(f"/v1/sessions/{session_id}/messages", json={"text": text})
            assert response.status_code == 200, response.text
            acknowledged[text] = response.json()["replies"]

    threads = [threading.Thread(target=post_each_on_a_new_connection) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    entries = transcript(server, session_id)
    assert len(acknowledged) == 40
    assert [entry["seq"] for entry in entries] == list(range(1, 42))
    stored = {entry["event"]["text"]: entry["replies"] for entry in entries}
    assert all(stored[text] == replies for text, replies in acknowledged.items())
