"""``unstuck serve --slack-socket-mode``: events over Slack's WebSocket, no public address."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverharness import Server
from slackharness import TEAM_A, FakeSlack, SocketModeFake, event_body, message_event, slack_env


@pytest.fixture
def socket_fake(fresh_fake: FakeSlack) -> Iterator[SocketModeFake]:
    socket = SocketModeFake()
    fresh_fake.socket_url = socket.url
    yield socket
    fresh_fake.socket_url = ""
    socket.close()


def test_a_mention_over_socket_mode_is_acknowledged_and_answered_in_its_thread(
    tmp_path: Path, fresh_fake: FakeSlack, socket_fake: SocketModeFake
) -> None:
    env = slack_env(f"sqlite:///{tmp_path / 'sessions.sqlite3'}", fresh_fake)
    del env["SLACK_SIGNING_SECRET"]
    env["SLACK_APP_TOKEN"] = "xapp-test-app-token"
    env["SLACK_SOCKET_MODE"] = "true"
    server = Server(env, tmp_path / "server.log").start()
    try:
        (opened,) = fresh_fake.named("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-test-app-token"
        deadline = time.monotonic() + 10
        while not socket_fake.connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        ts = f"{time.time():.6f}"
        payload = json.loads(event_body(TEAM_A, message_event("<@UBOT> my loss is flat", ts=ts)))
        envelope = {
            "envelope_id": "env-1",
            "type": "events_api",
            "payload": payload,
            "accepts_response_payload": False,
            "retry_attempt": 0,
        }
        socket_fake.send(envelope)
        (reply,) = fresh_fake.wait_for(lambda: fresh_fake.posts(ts))
        assert reply.args["channel"] == "C1"
        assert {"envelope_id": "env-1"}.items() <= socket_fake.acks[0].items()
        with server.client(key=None) as client:
            response = client.post("/slack/events", content=b"{}")
        assert response.status_code == 503
        assert response.json()["error"]["message"].startswith(
            "This service takes Slack's requests over Socket Mode (--slack-socket-mode)"
        )
    finally:
        server.stop()
