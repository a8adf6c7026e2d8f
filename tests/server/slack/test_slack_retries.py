"""A retried event after the first delivery died: claimed is not replied. A retry that finds
a claim older than ``UNSTUCK_SLACK_TAKEOVER_S`` with no reply sent takes it over and replies,
once; a claim whose reply went out is never taken over."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverharness import Server
from slackharness import (
    TEAM_A,
    FakeSlack,
    event_body,
    message_event,
    message_text,
    post_signed,
    slack_env,
)

from server.storage import open_database

TAKEOVER_S = 1.0
COMPLAINT = "<@UBOT> my regression loss is flat and the output uses sigmoid"


@pytest.fixture
def server(tmp_path: Path, fresh_fake: FakeSlack) -> Iterator[Server]:
    env = slack_env(
        f"sqlite:///{tmp_path / 'sessions.sqlite3'}", fresh_fake, slack_takeover_s=str(TAKEOVER_S)
    )
    started = Server(env, tmp_path / "server.log").start()
    yield started
    started.stop()


def deliver(server: Server, body: str, retry: int = 0) -> None:
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    response = post_signed(server.url, body, headers=headers if retry else None)
    assert response.status_code == 200


def said(server: Server, thread_ts: str) -> list[str]:
    """What the thread's session heard the user say, in order."""
    db = open_database(server.env["UNSTUCK_DATABASE_URL"])
    try:
        thread = db.thread(TEAM_A, "C1", thread_ts)
        assert thread is not None
        events = [json.loads(row.event) for row in db.events(thread.session_id)]
    finally:
        db.close()
    return [event["text"] for event in events if event["type"] == "said"]


def settle() -> None:
    time.sleep(0.8)


def test_a_retry_after_a_crash_between_claim_and_reply_replies_once(
    server: Server, fresh_fake: FakeSlack
) -> None:
    ts = f"{time.time():.6f}"
    body = event_body(TEAM_A, message_event(COMPLAINT, ts=ts), event_id="EvCrashed1")
    fresh_fake.stalled.add("chat.postMessage")
    deliver(server, body)
    (lost,) = fresh_fake.wait_for(lambda: [c for c in fresh_fake.calls if c.answered == 0])
    server.kill()  # the turn is done, its reply on its way to Slack: the process dies
    fresh_fake.stalled.clear()
    fresh_fake.unstall.set()
    server.start()

    # (A retry while the claim is fresh is dropped: test_slack_conversation.py.)
    time.sleep(TAKEOVER_S)
    deliver(server, body, retry=1)
    (reply,) = fresh_fake.wait_for(lambda: fresh_fake.posts(ts))
    assert message_text(reply) == message_text(lost)
    assert said(server, ts) == [COMPLAINT.removeprefix("<@UBOT> ")]

    time.sleep(TAKEOVER_S)
    deliver(server, body, retry=2)  # the reply went out: never again
    settle()
    assert len(fresh_fake.posts(ts)) == 1


def test_an_old_claim_whose_reply_went_out_is_not_taken_over(
    server: Server, fresh_fake: FakeSlack
) -> None:
    ts = f"{time.time():.6f}"
    body = event_body(TEAM_A, message_event(COMPLAINT, ts=ts), event_id="EvAnswered1")
    deliver(server, body)
    fresh_fake.wait_for(lambda: fresh_fake.posts(ts))
    time.sleep(TAKEOVER_S + 0.2)
    deliver(server, body, retry=1)
    settle()
    assert len(fresh_fake.posts(ts)) == 1
    assert len(said(server, ts)) == 1
