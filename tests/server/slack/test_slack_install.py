"""Several workspaces: Bolt's OAuth flow installs unstuck, and the installations live in the
session store (SQLite and PostgreSQL), so every process and a restarted one find them."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serverharness import Server
from slackharness import (
    TEAM_A,
    TEAM_B,
    FakeSlack,
    event_body,
    message_event,
    post_signed,
    slack_env,
)

from server.storage import open_database

CLIENT_ID = "111.222"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def oauth_server(database_url: str, tmp_path: Path, fresh_fake: FakeSlack) -> Iterator[Server]:
    env = slack_env(database_url, fresh_fake)
    del env["SLACK_BOT_TOKEN"]
    env["SLACK_CLIENT_ID"] = CLIENT_ID
    env["SLACK_CLIENT_SECRET"] = "client-secret-0123456789"
    server = Server(env, tmp_path / "oauth-server.log")
    server.env["UNSTUCK_PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


def install(server: Server, fake: FakeSlack, team: str) -> httpx.Response:
    """Add to Slack, as a browser does it: the install page, then Slack's redirect back."""
    fake.installation_team = team
    with httpx.Client(base_url=server.url, timeout=30.0) as browser:
        page = browser.get("/slack/install")
        assert page.status_code == 200
        link = page.text.split('href="https://slack.com/oauth/v2/authorize', 1)[1].split('"')[0]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.replace("&amp;", "&")).query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"] == [server.url + "/slack/oauth_redirect"]
        state = query["state"][0]
        assert page.cookies["slack-app-oauth-state"] == state
        # The cookie is Secure, which a browser keeps for https only: sent by hand over http.
        return browser.get(
            "/slack/oauth_redirect",
            params={"code": "c1", "state": state},
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        )


def mention(server: Server, team: str) -> str:
    ts = f"{time.time():.6f}"
    body = event_body(team, message_event("<@UBOT> my loss is flat", ts=ts))
    assert post_signed(server.url, body).status_code == 200
    return ts


def test_installed_workspaces_are_answered_with_their_own_token_after_a_restart(
    oauth_server: Server, fresh_fake: FakeSlack, database_url: str
) -> None:
    done = install(oauth_server, fresh_fake, TEAM_A)
    assert done.status_code == 200, done.text
    (exchange,) = fresh_fake.named("oauth.v2.access")
    assert exchange.args["code"] == "c1"

    db = open_database(database_url)
    assert db.installation("", TEAM_A) is not None
    db.close()

    oauth_server.restart()
    thread_ts = mention(oauth_server, TEAM_A)
    (reply,) = fresh_fake.wait_for(lambda: fresh_fake.posts(thread_ts))
    assert reply.headers["Authorization"] == f"Bearer xoxb-installed-{TEAM_A}"

    # A workspace that never installed unstuck gets nothing.
    other = mention(oauth_server, TEAM_B)
    time.sleep(0.8)
    assert fresh_fake.posts(other) == []


def test_a_redirect_with_a_state_unstuck_did_not_issue_installs_nothing(
    oauth_server: Server, fresh_fake: FakeSlack, database_url: str
) -> None:
    response = httpx.get(
        oauth_server.url + "/slack/oauth_redirect", params={"code": "c1", "state": "forged"}
    )
    assert response.status_code == 400
    assert fresh_fake.named("oauth.v2.access") == []
    db = open_database(database_url)
    assert db.installation("", TEAM_A) is None
    db.close()
