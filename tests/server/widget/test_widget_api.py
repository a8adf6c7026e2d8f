"""The widget's routes and tokens over HTTP: the frame's policy, what a token opens, origins."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from serverharness import KEY_A, ORIGIN_A, Server
from widgetharness import TOKEN_SECRET, WIDGET_KEY

from server import tokens
from server.widget.routes import SESSION_ONLY


def open_session(server: Server, resume: str | None = None, **headers: str) -> httpx.Response:
    return httpx.post(
        server.url + "/widget/session",
        json={"resume": resume},
        headers={"Authorization": f"Bearer {WIDGET_KEY}", **headers},
    )


@pytest.fixture(scope="module")
def widget(widget_server: Server) -> dict[str, Any]:
    """A widget session, as the frame opens it."""
    opened = open_session(widget_server)
    assert opened.status_code == 200
    body: dict[str, Any] = opened.json()
    return body


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def test_the_frame_may_be_framed_only_by_the_keys_origins(
    widget_server: Server, portal_port: int
) -> None:
    framed = httpx.get(widget_server.url + "/widget/frame", params={"key": WIDGET_KEY})
    unknown = httpx.get(widget_server.url + "/widget/frame", params={"key": "no-such-key"})
    policy = framed.headers["Content-Security-Policy"]
    assert framed.status_code == 200
    assert policy.endswith(f"; frame-ancestors http://127.0.0.1:{portal_port}")
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    # An unknown key's page opens no session anywhere; it only says the key is wrong.
    assert unknown.headers["Content-Security-Policy"].endswith("; frame-ancestors *")


def test_the_script_is_small_and_cached_for_minutes(widget_server: Server) -> None:
    script = httpx.get(widget_server.url + "/widget.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Cache-Control"] == "public, max-age=300"
    import gzip

    assert len(gzip.compress(script.content)) < 30_000


def test_a_session_token_opens_its_own_session(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    url = f"{widget_server.url}/v1/sessions/{widget['session']}"
    with httpx.Client(headers=bearer(widget["token"])) as client:
        sent = client.post(url + "/messages", json={"text": "my loss is flat"})
        view = client.get(url)
    assert sent.status_code == 200
    assert view.json()["transcript"][-1]["event"] == {"type": "said", "text": "my loss is flat"}


def test_a_session_token_opens_no_other_session_of_its_key(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    other = open_session(widget_server).json()["session"]
    with httpx.Client(headers=bearer(widget["token"])) as client:
        elsewhere = client.post(
            f"{widget_server.url}/v1/sessions/{other}/messages", json={"text": "hi"}
        )
        new_session = client.post(f"{widget_server.url}/v1/sessions", json={"message": "hi"})
    assert error_of(elsewhere) == (
        403,
        "token_out_of_scope",
        f"This token opens session '{widget['session']}' only, not this route. Use the API key "
        "for anything else.",
    )
    assert error_of(new_session)[:2] == (403, "token_out_of_scope")


def test_a_token_used_from_another_origin_is_refused(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    url = f"{widget_server.url}/v1/sessions/{widget['session']}/messages"
    refused = httpx.post(url, json={"text": "hi"}, headers=bearer(widget["token"], Origin=ORIGIN_A))
    same_origin = httpx.post(
        url, json={"text": "hi"}, headers=bearer(widget["token"], Origin=widget_server.url)
    )
    assert error_of(refused) == (
        403,
        "origin_not_allowed",
        f"Requests from {ORIGIN_A} may not use this key or token. The key's origins name the "
        "portals that may embed the widget; ask the operator to add this one.",
    )
    assert same_origin.status_code == 200


def test_a_key_used_from_an_origin_it_does_not_allow_opens_no_widget(
    widget_server: Server,
) -> None:
    refused = open_session(widget_server, Origin=ORIGIN_A)
    config = httpx.get(
        widget_server.url + "/widget/config",
        params={"key": WIDGET_KEY},
        headers={"Origin": ORIGIN_A},
    )
    assert error_of(refused)[:2] == (403, "origin_not_allowed")
    assert error_of(config)[:2] == (403, "origin_not_allowed")
    # widget.js reads the refusal from the portal's page to show it.
    assert config.headers["Access-Control-Allow-Origin"] == "*"


def test_the_stream_opens_with_a_short_lived_token_in_the_query(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    url = f"{widget_server.url}/v1/sessions/{widget['session']}/events"
    issued = httpx.post(
        widget_server.url + "/widget/stream-token", headers=bearer(widget["token"])
    ).json()
    stream = httpx.get(url, params={"token": issued["token"], "follow": "false", "after": 1})
    session_token_in_url = httpx.get(url, params={"token": widget["token"], "follow": "false"})
    stream_token_elsewhere = httpx.get(
        f"{widget_server.url}/v1/sessions/{widget['session']}", params={"token": issued["token"]}
    )
    assert stream.status_code == 200
    assert stream.text.startswith("retry: 2000\n\nid: 2\n")
    assert error_of(session_token_in_url)[:2] == (401, "invalid_token")
    assert error_of(stream_token_elsewhere) == (
        403,
        "token_out_of_scope",
        "A token in the query string opens only the event stream; send a session token as "
        "'Authorization: Bearer <token>'.",
    )


def test_an_expired_token_opens_nothing(widget_server: Server, widget: dict[str, Any]) -> None:
    claim = tokens.verify(TOKEN_SECRET.encode(), widget["token"], SESSION_ONLY)
    expired, _ = tokens.issue(
        TOKEN_SECRET.encode(), "session", claim.key_id, claim.session_id, 60, now=0
    )
    refused = httpx.get(
        f"{widget_server.url}/v1/sessions/{widget['session']}", headers=bearer(expired)
    )
    assert error_of(refused) == (
        401,
        "invalid_token",
        "The token opens nothing: it has expired. The widget gets a new one when its page "
        "reloads; for 'unstuck probe', copy the command from the widget again.",
    )


def test_a_reload_resumes_the_session_its_token_names(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    resumed = open_session(widget_server, resume=widget["token"]).json()
    forged = open_session(widget_server, resume=widget["token"][:-2] + "xx").json()
    assert (resumed["session"], resumed["resumed"]) == (widget["session"], True)
    assert forged["resumed"] is False and forged["session"] != widget["session"]


def test_a_session_of_another_key_is_not_resumed(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    with httpx.Client(base_url=widget_server.url, headers=bearer(KEY_A)) as client:
        other_key = client.post("/widget/session", json={"resume": widget["token"]}).json()
    assert other_key["resumed"] is False and other_key["session"] != widget["session"]


def test_replies_are_rendered_as_sanitised_html(
    widget_server: Server, widget: dict[str, Any]
) -> None:
    rendered = httpx.post(
        widget_server.url + "/widget/render",
        json={"texts": ["**Fix**: use `BCEWithLogitsLoss`", "<img src=x onerror=alert(1)>"]},
        headers=bearer(widget["token"]),
    )
    assert rendered.json()["html"] == [
        "<p><strong>Fix</strong>: use <code>BCEWithLogitsLoss</code></p>\n",
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n",
    ]


def test_without_a_token_secret_the_widget_says_what_to_set(shared_server: Server) -> None:
    refused = httpx.post(
        shared_server.url + "/widget/session", headers=bearer(KEY_A), json={"resume": None}
    )
    assert error_of(refused) == (
        503,
        "widget_unavailable",
        "Session tokens are off: this service has no UNSTUCK_TOKEN_SECRET. The operator sets "
        "it (at least 32 characters, the same on every server process) to turn on the "
        "help-portal widget.",
    )


def test_the_probe_command_comes_as_data_on_the_stream_and_as_words_in_the_reply(
    widget_server: Server,
) -> None:
    opened = open_session(widget_server).json()
    url = f"{widget_server.url}/v1/sessions/{opened['session']}"
    with httpx.Client(headers=bearer(opened["token"])) as client:
        replies = client.post(url + "/target", json={"target": "my runs/exp.py"}).json()["replies"]
        issued = client.post(widget_server.url + "/widget/stream-token").json()
    stream = httpx.get(url + "/events", params={"token": issued["token"], "follow": "false"})
    sent = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
    session = opened["session"]
    line = f"unstuck probe 'my runs/exp.py' --server {widget_server.url} --session {session}"
    intro = (
        "These checks need your model and data, which live on your machine. Run this there and "
        "the results join this conversation:"
    )
    # Other front ends read the same words as before, the command on its own line.
    assert replies[-1] == {"kind": "text", "text": f"{intro}\n{line}", "tone": "info"}
    assert sent[-1] == {
        **replies[-1],
        "probe_command": {
            "intro": intro,
            "argv": [
                "unstuck", "probe", "my runs/exp.py",
                "--server", widget_server.url, "--session", opened["session"],
            ],
            "line": line,
            "target": "my runs/exp.py",
            "server": widget_server.url,
            "session": opened["session"],
        },
    }  # fmt: skip
    # The view (and the log it reads) keeps the plain reply types.
    with httpx.Client(headers=bearer(opened["token"])) as client:
        view = client.get(url).json()
    assert view["transcript"][-1]["replies"][-1] == replies[-1]
