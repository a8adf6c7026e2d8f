"""Revoking a publishable key: the operator runs ``unstuck revoke-key`` and, within a second,
the key and every token issued under it open nothing, each refusal saying why."""

from __future__ import annotations

import time

import httpx
from serverharness import Server
from widgetharness import REVOKABLE_KEY, REVOKED_SEED_KEY, TOKEN_SECRET, revoke_key

from server.keys import find_key
from server.runtime import KEY_CACHE_TTL_S
from server.storage import open_database
from server.tokens import issue, verify
from server.widget.routes import SESSION_ONLY


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]


def revoked_message(when: float) -> str:
    day = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))
    return (
        f"This key was revoked by the operator on {day}: it opens no session and no call any "
        "more, nor do the widget and 'unstuck probe' tokens issued under it. Ask the operator "
        "for a new key (for a portal, the new data-key of its script tag)."
    )


def test_a_revoked_key_and_its_tokens_open_nothing_within_a_second(widget_server: Server) -> None:
    url = widget_server.url
    key = {"Authorization": f"Bearer {REVOKABLE_KEY}"}
    opened = httpx.post(url + "/widget/session", json={}, headers=key).json()
    session = f"{url}/v1/sessions/{opened['session']}"
    token = {"Authorization": f"Bearer {opened['token']}"}
    probe = {"Authorization": f"Bearer {opened['probe_token']}"}
    claim = verify(TOKEN_SECRET.encode(), opened["token"], SESSION_ONLY)
    stream_token, _ = issue(TOKEN_SECRET.encode(), "stream", claim.key_id, claim.session_id, 600)
    said = httpx.post(session + "/messages", json={"text": "loss is flat"}, headers=token)
    assert said.is_success

    revoked = revoke_key(widget_server, REVOKABLE_KEY)
    record = find_key(open_database(widget_server.env["UNSTUCK_DATABASE_URL"]), REVOKABLE_KEY)
    assert record is not None and record.revoked is not None
    day = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record.revoked))
    assert (revoked.returncode, revoked.stdout) == (
        0,
        f"Revoked the key 'revokable' ({record.id}) at {day}. Its sessions, widget and "
        "'unstuck probe' tokens stop working within a second on every server.\n",
    )

    time.sleep(KEY_CACHE_TTL_S + 0.2)  # what the server may still hold from before
    report = {"target": "t.py", "results": [{"id": "data_checks", "status": "pass"}]}
    attempts = {
        "new widget session": httpx.post(url + "/widget/session", json={}, headers=key),
        "new API session": httpx.post(url + "/v1/sessions", json={}, headers=key),
        "widget config": httpx.get(url + "/widget/config", params={"key": REVOKABLE_KEY}),
        "message with the session token": httpx.post(
            session + "/messages", json={"text": "still there?"}, headers=token
        ),
        "stream token": httpx.post(url + "/widget/stream-token", headers=token),
        "event stream": httpx.get(session + "/events", params={"token": stream_token}),
        "probe report": httpx.post(session + "/probe-reports", json=report, headers=probe),
    }
    expected = (403, "key_revoked", revoked_message(record.revoked))
    assert {name: refusal(got) for name, got in attempts.items()} == dict.fromkeys(
        attempts, expected
    )
    # widget.js reads the reason from the portal's page to show it.
    assert attempts["widget config"].headers["Access-Control-Allow-Origin"] == "*"

    again = revoke_key(widget_server, REVOKABLE_KEY)
    assert (again.returncode, again.stdout) == (revoked.returncode, revoked.stdout)


def test_revoking_a_key_the_store_does_not_have_says_so(widget_server: Server) -> None:
    done = revoke_key(widget_server, "no-such-key-0123456789")
    assert (done.returncode, done.stdout) == (
        1,
        f"No such key in the session store {widget_server.env['UNSTUCK_DATABASE_URL']}: "
        "nothing was revoked. Check the key (as in UNSTUCK_SEED_KEYS, or as create_key printed "
        "it) and that UNSTUCK_DATABASE_URL names the servers' store.\n",
    )


def test_a_key_seeded_as_revoked_opens_nothing(widget_server: Server) -> None:
    config = httpx.get(widget_server.url + "/widget/config", params={"key": REVOKED_SEED_KEY})
    status, code, message = refusal(config)
    assert (status, code) == (403, "key_revoked")
    assert message.startswith("This key was revoked by the operator on ")
