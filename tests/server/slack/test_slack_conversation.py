"""Slack against a real service on 127.0.0.1: signed requests in, Web API calls out to a fake
Slack that records them. A conversation in a thread, buttons, retries, workspaces."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from serverharness import Server
from slackharness import (
    BOT_USER,
    TEAM_A,
    TEAM_B,
    Call,
    FakeSlack,
    buttons,
    click_body,
    command_body,
    event_body,
    message_event,
    message_text,
    post_signed,
)

COMPLAINT = "<@UBOT> my regression loss is flat and the output uses sigmoid"


def new_ts() -> str:
    return f"{time.time():.6f}"


def mention(server: Server, text: str = COMPLAINT, team: str = TEAM_A, **event: Any) -> str:
    """Mention the bot in a new thread; the thread's ts."""
    ts = event.pop("ts", None) or new_ts()
    response = post_signed(server.url, event_body(team, message_event(text, ts=ts, **event)))
    assert response.status_code == 200
    return ts


def say_in_thread(
    server: Server, thread_ts: str, text: str, team: str = TEAM_A, **event: Any
) -> str:
    ts = new_ts()
    body = event_body(
        team, message_event(text, ts=ts, thread_ts=thread_ts, kind="message", **event)
    )
    assert post_signed(server.url, body).status_code == 200
    return ts


def click(server: Server, call: Call, text: str, team: str = TEAM_A) -> None:
    """Click the button labelled ``text`` on a message the bot posted."""
    (button,) = [b for b in buttons(call) if b["text"]["text"] == text]
    message = {
        "ts": call.args["ts"],
        "thread_ts": call.args.get("thread_ts"),
        "text": call.args.get("text", ""),
        "blocks": call.args["blocks"],
    }
    action = {**button, "block_id": "answers"}
    body = click_body(team, message, action, channel=call.args["channel"])
    response = post_signed(server.url, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200


def posted(fake: FakeSlack, thread_ts: str, count: int = 1) -> list[Call]:
    """The bot's messages in the thread, once there are ``count``; each with its ``ts``."""
    calls = fake.wait_for(lambda: fake.posts(thread_ts), count)
    return calls


def settle() -> None:
    """Time for work that should not happen to show up (a reply that must not come)."""
    time.sleep(0.8)


def stored(server: Server, sql: str) -> list[tuple[Any, ...]]:
    path = Path(server.env["UNSTUCK_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql).fetchall())


@pytest.fixture(autouse=True)
def _posts_carry_ts(fresh_fake: FakeSlack) -> None:
    """Record the ts the fake answered with on each posted message, as Slack's client sees it."""
    original = fresh_fake.answer

    def answer(method: str, args: dict[str, Any]) -> dict[str, Any]:
        answered = original(method, args)
        if method == "chat.postMessage":
            args["ts"] = answered["ts"]
        return answered

    fresh_fake.answer = answer  # type: ignore[method-assign]


# -- Slack's signature --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "signing", "headers"),
    [
        ("unsigned", None, {}),
        ("wrong secret", {"secret": "another-secret-0123456789abcdef"}, {}),
        ("older than 5 minutes", {"at": time.time() - 6 * 60}, {}),
    ],
)
def test_a_request_slack_did_not_sign_now_is_refused_and_nothing_is_stored(
    slack_server: Server, fresh_fake: FakeSlack, case: str, signing: Any, headers: Any
) -> None:
    ts = new_ts()
    body = event_body(TEAM_A, message_event(COMPLAINT, ts=ts))
    if signing is None:
        import httpx

        response = httpx.post(
            slack_server.url + "/slack/events",
            content=body,
            headers={"Content-Type": "application/json"},
        )
    else:
        response = post_signed(slack_server.url, body, **signing)
    assert response.status_code == 401
    settle()
    assert fresh_fake.calls == []
    event_id = json.loads(body)["event_id"]
    assert stored(slack_server, f"SELECT id FROM slack_claims WHERE id = 'event:{event_id}'") == []


def test_a_body_that_does_not_parse_is_refused_without_a_reply(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    response = post_signed(slack_server.url, "{not json", "application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert response.json()["error"]["message"].startswith(
        "The request body is not one Slack sends (Expecting property name"
    )
    settle()
    assert fresh_fake.posts() == []


def test_slack_url_verification_is_answered(slack_server: Server) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
    response = post_signed(slack_server.url, body)
    assert response.status_code == 200
    assert response.json() == {"challenge": "c-123"}


# -- a conversation in a thread -----------------------------------------------------------


def test_a_mention_is_acknowledged_at_once_and_answered_in_its_thread(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    started = time.monotonic()
    thread_ts = mention(slack_server)
    assert time.monotonic() - started < 3.0
    (reply,) = posted(fresh_fake, thread_ts)
    assert reply.args["channel"] == "C1"
    assert reply.headers["Authorization"] == "Bearer xoxb-test-bot-token"
    text = message_text(reply)
    assert "the last layer ends in a sigmoid" in text
    assert "Leading causes so far: 1. Output activation does not match the task" in text
    assert "reply with the path of your training file (`train.py`)" in text
    labels = [b["text"]["text"] for b in buttons(reply)]
    assert labels[-3:] == ["Why?", "Undo", "Start over"]


def test_a_whole_conversation_from_mention_to_diagnosis(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    (question,) = posted(fresh_fake, thread_ts)
    answer = [b for b in buttons(question) if b["action_id"].startswith("unstuck_answer")][-1]
    click(slack_server, question, answer["text"]["text"])

    (update,) = fresh_fake.wait_for(lambda: fresh_fake.named("chat.update"))
    assert update.args["ts"] == question.args["ts"]
    assert [b for b in update.args["blocks"] if b["type"] == "actions"] == []
    assert f"<@U1> chose *{answer['text']['text']}*" in json.dumps(update.args["blocks"])

    replies = posted(fresh_fake, thread_ts, 2)
    say_in_thread(slack_server, thread_ts, "done")
    diagnosis = posted(fresh_fake, thread_ts, 3)[-1]
    text = message_text(diagnosis)
    assert "I believe the cause is: Output activation does not match the task" in text
    assert "*Evidence for*" in text
    assert "*The fix*" in text
    assert "```" in text
    assert len(replies) == 2


def test_a_button_answers_once_however_often_it_is_clicked(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    (question,) = posted(fresh_fake, thread_ts)
    first = next(b for b in buttons(question) if b["action_id"].startswith("unstuck_answer"))
    for _ in range(3):
        click(slack_server, question, first["text"]["text"])
    posted(fresh_fake, thread_ts, 2)
    settle()
    assert len(fresh_fake.posts(thread_ts)) == 2
    assert len(fresh_fake.named("chat.update")) == 1


def test_a_button_from_an_older_message_is_refused_and_says_so(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    (question,) = posted(fresh_fake, thread_ts)
    say_in_thread(slack_server, thread_ts, "yes it can")
    posted(fresh_fake, thread_ts, 2)
    first = next(b for b in buttons(question) if b["action_id"].startswith("unstuck_answer"))
    click(slack_server, question, first["text"]["text"])
    (update,) = fresh_fake.wait_for(lambda: fresh_fake.named("chat.update"))
    assert "These buttons are from an earlier point of this conversation" in json.dumps(
        update.args["blocks"]
    )
    settle()
    assert len(fresh_fake.posts(thread_ts)) == 2


def test_why_and_undo_buttons_answer_in_the_thread(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    (question,) = posted(fresh_fake, thread_ts)
    click(slack_server, question, "Why?")
    why = posted(fresh_fake, thread_ts, 2)[-1]
    assert "Output activation does not match the task" in message_text(why)
    click(slack_server, why, "Undo")
    undone = posted(fresh_fake, thread_ts, 3)[-1]
    assert buttons(undone)


def test_an_unknown_action_is_acknowledged_and_ignored(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    message = {"ts": "1.000001", "blocks": [], "text": ""}
    action = {"action_id": "somebody_elses_button", "value": "x", "block_id": "b"}
    body = click_body(TEAM_A, message, action)
    response = post_signed(slack_server.url, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200
    settle()
    assert fresh_fake.calls == []


def test_a_retried_event_is_answered_once(slack_server: Server, fresh_fake: FakeSlack) -> None:
    ts = new_ts()
    body = event_body(TEAM_A, message_event(COMPLAINT, ts=ts), event_id="EvRetried1")
    assert post_signed(slack_server.url, body).status_code == 200
    for retry in ("1", "2"):
        headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"}
        assert post_signed(slack_server.url, body, headers=headers).status_code == 200
    posted(fresh_fake, ts)
    settle()
    assert len(fresh_fake.posts(ts)) == 1


def test_a_mention_that_also_arrives_as_a_message_is_answered_once(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    posted(fresh_fake, thread_ts)
    ts = new_ts()
    text = f"<@{BOT_USER}> it is a regression task"
    for kind in ("app_mention", "message"):
        event = message_event(text, ts=ts, thread_ts=thread_ts, kind=kind)
        assert post_signed(slack_server.url, event_body(TEAM_A, event)).status_code == 200
    posted(fresh_fake, thread_ts, 2)
    settle()
    assert len(fresh_fake.posts(thread_ts)) == 2


@pytest.mark.parametrize(
    "event",
    [
        {"bot_id": "BOTHER", "subtype": "bot_message"},
        {"bot_id": "BOTHER"},
        {"user": BOT_USER},
        {"subtype": "message_changed"},
    ],
    ids=["another bot", "a bot without subtype", "its own message", "an edit"],
)
def test_bots_its_own_messages_and_edits_get_no_reply(
    slack_server: Server, fresh_fake: FakeSlack, event: dict[str, Any]
) -> None:
    thread_ts = mention(slack_server)
    posted(fresh_fake, thread_ts)
    say_in_thread(slack_server, thread_ts, "the loss is nan", **event)
    settle()
    assert len(fresh_fake.posts(thread_ts)) == 1


def test_a_message_in_a_thread_unstuck_is_not_in_gets_no_reply(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    say_in_thread(slack_server, new_ts(), "my loss is flat")
    settle()
    assert fresh_fake.posts() == []


def test_a_direct_message_starts_a_thread_and_the_thread_continues_it(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    ts = new_ts()
    event = message_event(
        "my classifier accuracy is stuck", ts=ts, kind="message", channel="D1", channel_type="im"
    )
    assert post_signed(slack_server.url, event_body(TEAM_A, event)).status_code == 200
    (first,) = posted(fresh_fake, ts)
    assert first.args["channel"] == "D1"
    say_in_thread(slack_server, ts, "why", channel="D1", channel_type="im")
    assert len(posted(fresh_fake, ts, 2)) == 2


def test_the_slash_command_starts_a_thread_under_its_own_message(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    body = command_body(TEAM_A, "my loss is nan after a few steps")
    response = post_signed(slack_server.url, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200
    root = fresh_fake.wait_for(lambda: [c for c in fresh_fake.posts() if "thread_ts" not in c.args])
    assert root[0].args["text"] == "<@U1> asked unstuck: my loss is nan after a few steps"
    (reply,) = posted(fresh_fake, root[0].args["ts"])
    assert "nan" in message_text(reply).lower()


def test_the_slash_command_without_words_says_how_to_use_it(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    body = command_body(TEAM_A, "  ")
    response = post_signed(slack_server.url, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.text.startswith("Say what is wrong after the command, for example:")
    settle()
    assert fresh_fake.calls == []


# -- what users write -----------------------------------------------------------------------


def test_a_message_of_40000_characters_gets_a_reply_within_slacks_limits(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server, "<@UBOT> my loss is flat " + "x" * 40_000)
    (reply,) = posted(fresh_fake, thread_ts)
    sections = [b for b in reply.args["blocks"] if b["type"] == "section"]
    assert sections and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(reply.args["blocks"]) <= 50


def test_words_that_look_like_slack_markup_are_escaped_in_the_reply(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server)
    posted(fresh_fake, thread_ts)
    # Slack escapes what a user types: the words arrive as &lt;!channel&gt;.
    say_in_thread(slack_server, thread_ts, "target: &lt;!channel&gt;.py")
    reply = posted(fresh_fake, thread_ts, 2)[-1]
    text = message_text(reply)
    # The path comes back in the probe command, as text, never as a mention.
    command = next(line for line in text.splitlines() if "unstuck probe" in line)
    assert "&lt;!channel&gt;.py" in command  # quoted for the shell or not, never live markup
    assert "--server https://unstuck.example" in command
    assert "<!channel>" not in json.dumps(reply.args)


# -- workspaces -------------------------------------------------------------------------------


def test_two_workspaces_have_their_own_sessions_and_cannot_reach_each_other(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = mention(slack_server, team=TEAM_A)
    (question,) = posted(fresh_fake, thread_ts)
    session_a = json.loads(buttons(question)[0]["value"])["s"]

    # The same channel and thread ts in another workspace is another thread: no reply.
    say_in_thread(slack_server, thread_ts, "done", team=TEAM_B)
    # A button of workspace A's session clicked from workspace B does nothing.
    click(slack_server, question, buttons(question)[0]["text"]["text"], team=TEAM_B)
    # A user of workspace B in A's thread (a shared channel) is not heard.
    say_in_thread(slack_server, thread_ts, "done", user_team=TEAM_B)
    settle()
    assert len(fresh_fake.posts(thread_ts)) == 1
    assert fresh_fake.named("chat.update") == []

    thread_b = mention(slack_server, team=TEAM_B)
    (reply_b,) = posted(fresh_fake, thread_b)
    session_b = json.loads(buttons(reply_b)[0]["value"])["s"]
    assert session_b != session_a
    owners = dict(stored(slack_server, "SELECT id, key_id FROM sessions"))
    assert owners[session_a] == f"slack_{TEAM_A}"
    assert owners[session_b] == f"slack_{TEAM_B}"


# -- the Web API's rate limit -------------------------------------------------------------------


def test_a_rate_limited_post_waits_and_is_sent_again(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    fresh_fake.limited["chat.postMessage"] = 2
    thread_ts = mention(slack_server)
    (reply,) = posted(fresh_fake, thread_ts)
    refused = [c for c in fresh_fake.calls if c.method == "chat.postMessage" and c.answered == 429]
    assert len(refused) == 2
    assert reply.args["thread_ts"] == thread_ts
