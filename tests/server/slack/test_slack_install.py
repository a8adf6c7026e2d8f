"""Several workspaces: Bolt's OAuth flow installs unstuck, and the installations live in the
session store (SQLite and PostgreSQL), so every process and a restarted one find them."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverharness import Server
from slackharness import (
    TEAM_A,
    TEAM_B,
    FakeSlack,
    event_body,
    message_event,
    message_text,
    post_signed,
    slack_env,
)
from test_slack_checks import post_report, probe_command

from server.storage import TeamRecord, open_database

CLIENT_ID = "111.222"
ORG = "E0RG1"


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


def install(
    server: Server, fake: FakeSlack, team: str, enterprise: str | None = None
) -> httpx.Response:
    """Add to Slack, as a browser does it: the install page, then Slack's redirect back.
    With ``enterprise``, an org-wide install for that whole organisation."""
    fake.installation_team = team
    fake.installation_enterprise = enterprise
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


def mention(server: Server, team: str, **org: Any) -> str:
    ts = f"{time.time():.6f}"
    body = event_body(team, message_event("<@UBOT> my loss is flat", ts=ts, team=team), **org)
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


def test_an_org_wide_install_serves_each_workspace_with_its_own_sessions_after_a_restart(
    oauth_server: Server, fresh_fake: FakeSlack, database_url: str
) -> None:
    done = install(oauth_server, fresh_fake, TEAM_A, enterprise=ORG)
    assert done.status_code == 200, done.text
    db = open_database(database_url)
    assert db.installation(ORG, "") is not None  # the organisation's, no team
    db.close()
    org = {"enterprise": ORG, "org_wide": True}

    threads = {team: mention(oauth_server, team, **org) for team in (TEAM_A, TEAM_B)}
    for thread_ts in threads.values():
        (reply,) = fresh_fake.wait_for(lambda ts=thread_ts: fresh_fake.posts(ts))
        assert reply.headers["Authorization"] == f"Bearer xoxb-installed-{ORG}"
    db = open_database(database_url)
    a, b = (db.thread(team, "C1", ts) for team, ts in threads.items())
    assert db.team(TEAM_B) == TeamRecord(TEAM_B, ORG, enterprise_install=True)
    db.close()
    assert a is not None and b is not None and a.session_id != b.session_id

    # Work no request brings: a probe report joins team B's thread, after a restart.
    say = message_event("train.py", ts=f"{time.time():.6f}", thread_ts=threads[TEAM_B])
    say.update(type="message", team=TEAM_B)
    assert post_signed(oauth_server.url, event_body(TEAM_B, say, **org)).status_code == 200
    asked = fresh_fake.wait_for(lambda: fresh_fake.posts(threads[TEAM_B]), 2)[1]
    session_id, token = probe_command(asked)
    oauth_server.restart()
    assert post_report(oauth_server, session_id, token).status_code == 200
    joined = fresh_fake.wait_for(lambda: fresh_fake.posts(threads[TEAM_B]), 3)[2]
    assert message_text(joined).startswith("New results joined this conversation.")
    assert joined.headers["Authorization"] == f"Bearer xoxb-installed-{ORG}"


def test_uninstalling_deletes_the_installation_and_a_persons_revoked_token_does_not(
    oauth_server: Server, fresh_fake: FakeSlack, database_url: str
) -> None:
    assert install(oauth_server, fresh_fake, TEAM_A).status_code == 200
    db = open_database(database_url)
    try:
        # A person revoking their own token leaves the bot's installation alone.
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0PERSON"], "bot": []}}
        assert post_signed(oauth_server.url, event_body(TEAM_A, revoked)).status_code == 200
        time.sleep(0.5)
        assert db.installation("", TEAM_A) is not None

        gone = {"type": "app_uninstalled"}
        assert post_signed(oauth_server.url, event_body(TEAM_A, gone)).status_code == 200
        deadline = time.monotonic() + 10
        while db.installation("", TEAM_A) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert db.installation("", TEAM_A) is None
    finally:
        db.close()
    # The workspace is answered no more: its token went with the installation.
    thread_ts = mention(oauth_server, TEAM_A)
    time.sleep(0.8)
    assert fresh_fake.posts(thread_ts) == []
