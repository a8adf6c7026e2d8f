"""Without SLACK_* the Slack routes say what to set, rather than a bare 404."""

from __future__ import annotations

import pytest
from serverharness import Server

import server


def test_slack_routes_say_how_to_turn_slack_on(shared_server: Server) -> None:
    with shared_server.client(key=None) as client:
        for response in (client.post("/slack/events", content=b"{}"), client.get("/slack/install")):
            assert response.status_code == 503
            assert response.json()["error"] == {
                "code": "slack_unavailable",
                "message": "Slack is not set up on this service: set SLACK_SIGNING_SECRET and "
                "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for the install "
                "flow) and restart it. The README's Slack section goes through it.",
            }


def test_serve_names_what_slack_is_missing_before_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patch = monkeypatch
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        patch.delenv(name, raising=False)
    patch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert server.settings_problems() == (
        "Slack is on but has no bot token: set SLACK_BOT_TOKEN (xoxb-..., one workspace) or "
        "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the OAuth install flow)."
    )
    patch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    patch.setenv("SLACK_SOCKET_MODE", "true")
    assert server.settings_problems() == (
        "--slack-socket-mode needs SLACK_APP_TOKEN (xapp-..., Basic Information > App-Level "
        "Tokens, with the connections:write scope)."
    )
    patch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert server.settings_problems() is None
