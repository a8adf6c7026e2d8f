"""Server-sent events: every new event and reply, with ids to resume from."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from serverharness import Server

from assistant.core.engine import GREETING


def parse_stream(text: str) -> list[dict[str, Any]]:
    items = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "id" in fields:
            items.append(
                {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                }
            )
    return items


def backlog(
    server: Server, session_id: str, last_event_id: int | None = None
) -> list[dict[str, Any]]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    with server.client() as client:
        response = client.get(
            f"/v1/sessions/{session_id}/events", params={"follow": "false"}, headers=headers
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_stream(response.text)


def test_the_stream_has_each_event_and_reply_with_ids(shared_server: Server) -> None:
    with shared_server.client() as client:
        session_id = client.post("/v1/sessions", json={}).json()["id"]
        client.post(f"/v1/sessions/{session_id}/messages", json={"text": "the loss is nan"})
    items = backlog(shared_server, session_id)
    assert [item["id"] for item in items] == list(range(1, len(items) + 1))
    assert items[0] == {
        "id": 1,
        "event": "reply",
        "data": {"kind": "text", "text": GREETING, "tone": "info"},
    }
    assert items[1] == {
        "id": 2,
        "event": "event",
        "data": {"type": "said", "text": "the loss is nan"},
    }
    assert {item["event"] for item in items[2:]} == {"reply"}


def test_a_client_that_reconnects_with_last_event_id_misses_nothing(shared_server: Server) -> None:
    with shared_server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "the loss is nan"}).json()["id"]
        seen = backlog(shared_server, session_id)
        client.post(f"/v1/sessions/{session_id}/messages", json={"text": "why"})
        client.post(f"/v1/sessions/{session_id}/undo")
    resumed = backlog(shared_server, session_id, last_event_id=seen[-1]["id"])
    everything = backlog(shared_server, session_id)
    assert everything == seen + resumed
    assert resumed[0]["id"] == seen[-1]["id"] + 1
    assert resumed[0]["data"]["text"].startswith("Where I stand:")
    assert {"type": "undo"} in [item["data"] for item in resumed]


def test_a_live_stream_delivers_new_replies(shared_server: Server) -> None:
    with shared_server.client() as client:
        session_id = client.post("/v1/sessions", json={}).json()["id"]
    received: list[dict[str, Any]] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            shared_server.client() as listener,
            listener.stream(
                "GET", f"/v1/sessions/{session_id}/events", headers={"Last-Event-ID": "1"}
            ) as response,
        ):
            ready.set()
            buffer = ""
            for chunk in response.iter_text():
                buffer += chunk
                received[:] = parse_stream(buffer)
                if any(item["event"] == "reply" for item in received):
                    return

    thread = threading.Thread(target=listen)
    thread.start()
    assert ready.wait(10)
    with shared_server.client() as client:
        replies = client.post(
            f"/v1/sessions/{session_id}/messages", json={"text": "the loss is nan"}
        ).json()["replies"]
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert received[0]["id"] == 2
    assert received[0]["data"] == {"type": "said", "text": "the loss is nan"}
    assert received[1]["data"] == replies[0]


def test_a_stream_needs_the_session_s_key(shared_server: Server) -> None:
    with httpx.Client(base_url=shared_server.url) as client:
        response = client.get("/v1/sessions/s_x/events")
    assert response.status_code == 401
