"""docs/slack-manifest.yml sets up the app the code expects: scopes, events, command, URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from server.slack.app import BOT_SCOPES, COMMAND

MANIFEST = Path(__file__).resolve().parents[3] / "docs" / "slack-manifest.yml"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def test_the_manifest_asks_for_the_scopes_the_install_flow_asks_for() -> None:
    assert manifest()["oauth_config"]["scopes"]["bot"] == BOT_SCOPES


def test_the_manifest_subscribes_to_every_event_unstuck_listens_to() -> None:
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) >= {"app_mention", "message.channels", "message.im", "file_shared"}
    assert set(events) >= {"app_uninstalled", "tokens_revoked"}  # the installation is deleted


def test_events_commands_and_clicks_all_go_to_slack_events() -> None:
    found = manifest()
    (command,) = found["features"]["slash_commands"]
    assert command["command"] == COMMAND
    urls = [
        command["url"],
        found["settings"]["event_subscriptions"]["request_url"],
        found["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert found["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
