"""The service with Slack on, against a fake Slack Web API (``slackharness``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Appended, not put first: ``from conftest import ...`` in tests/server must keep finding
# tests/server/conftest.py, which puts its folder (with serverharness) first.
sys.path.append(str(Path(__file__).resolve().parent))

from serverharness import Server
from slackharness import FakeSlack, serve_fake_slack, slack_env


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    fake, httpd = serve_fake_slack()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def slack_server(
    tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack
) -> Iterator[Server]:
    """One service with Slack on (one bot token), shared by a module's tests."""
    folder = tmp_path_factory.mktemp("slack-server")
    env = slack_env(f"sqlite:///{folder / 'sessions.sqlite3'}", fake_slack)
    server = Server(env, folder / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_fake(fake_slack: FakeSlack) -> FakeSlack:
    """The module's fake Slack with the calls of earlier tests forgotten."""
    fake_slack.calls.clear()
    fake_slack.limited.clear()
    fake_slack.stalled.clear()
    fake_slack.installation_enterprise = None
    fake_slack.unstall.clear()
    return fake_slack
