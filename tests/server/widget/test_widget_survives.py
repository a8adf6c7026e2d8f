"""What browsers and operators do to a conversation, in real headless Chromium: a file over
the upload limit, a stream whose token expired while it was down, a key revoked mid-chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from serverharness import Server
from widgetharness import (
    REVOKED_LIVE_KEY,
    STREAM_TOKEN_TTL_S,
    WIDGET_KEY,
    Portal,
    chat_frame,
    revoke_key,
    say,
    widget_message,
)

pytestmark = pytest.mark.slow

MAX_UPLOAD_BYTES = 20_971_520  # the service's default, which the widget server keeps


def test_a_table_over_the_upload_limit_is_refused_before_sending_and_nothing_is_lost(
    context: Any, portal: Portal, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    row = b"0.5,1\n"
    with big.open("wb") as out:
        out.write(b"x,y\n")
        out.write(row * (MAX_UPLOAD_BYTES // len(row) + 174_763))  # about 21 MB
    page = context.new_page()
    uploads: list[str] = []
    page.on(
        "request", lambda request: uploads.append(request.url) if "/tables" in request.url else None
    )
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    frame.click("text=Upload table")
    frame.set_input_files("#file", str(big))
    frame.fill("#label", "y")
    frame.click("#upload-send")

    refused = frame.locator(".bubble.error")
    refused.wait_for()
    assert refused.inner_text() == (
        "The file 'big.csv' has 21.0 MB; the assistant takes tables up to 20.0 MB. Send a "
        "sample of its rows (a few thousand are enough for the table checks) or the same "
        "table as Parquet, which is smaller."
    )
    # The form stays as it was, to pick a smaller file; nothing went to the service.
    assert frame.locator("#upload").is_visible()
    assert frame.evaluate("() => document.querySelector('#file').files[0].name") == "big.csv"
    assert frame.input_value("#label") == "y"
    assert uploads == []
    assert frame.locator(".job").count() == 0


def test_a_stream_whose_token_expired_comes_back_with_a_new_one_and_misses_nothing(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    streams: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: (
            streams.append((response.url, response.status)) if "/events" in response.url else None
        ),
    )
    page.goto(portal.page(key=WIDGET_KEY, open="true"))
    frame = chat_frame(page)
    say(frame, "my loss is flat")
    frame.wait_for_selector("text=Noted:")
    seen_before = frame.locator(".bubble").count()
    page.wait_for_timeout((STREAM_TOKEN_TTL_S + 0.5) * 1000)  # the stream's token expires

    # The connection drops; until the frame gets a new stream token, another tab goes on.
    page.route("**/widget/stream-token", lambda route: route.abort())
    widget_server.restart()
    token = frame.evaluate("() => Object.values(localStorage)[0]")
    session = token.split(".")[3]
    said = httpx.post(
        f"{widget_server.url}/v1/sessions/{session}/messages",
        json={"text": "the accuracy stays at chance"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert said.status_code == 200
    # The browser's own reconnection (Last-Event-ID, the old token in the URL) is refused...
    page.wait_for_function("() => true")
    for _ in range(100):
        if any(status == 401 for _, status in streams):
            break
        page.wait_for_timeout(100)
    assert any(status == 401 for _, status in streams)
    page.unroute("**/widget/stream-token")

    # ...and the frame's next one, with a new token, resumes after the last item it showed.
    frame.wait_for_function("() => document.querySelectorAll('.bubble.user').length >= 2")
    frame.wait_for_function("() => document.querySelector('#status').hidden")
    page.wait_for_timeout(500)  # anything sent twice would arrive by now
    assert frame.locator(".bubble.user").all_inner_texts() == [
        "my loss is flat",
        "the accuracy stays at chance",
    ]
    # Each reply the session's stream holds is shown once: none missed, none twice.
    bearer = {"Authorization": f"Bearer {token}"}
    issued = httpx.post(f"{widget_server.url}/widget/stream-token", headers=bearer).json()
    backlog = httpx.get(
        f"{widget_server.url}/v1/sessions/{session}/events",
        params={"token": issued["token"], "follow": "false"},
    ).text
    replies = backlog.count("\nevent: reply\n")
    assert frame.locator(".bubble.assistant, .bubble.error").count() == replies
    assert frame.locator(".bubble").count() > seen_before
    resumed = [url for url, status in streams if status == 200][-1]
    assert int(parse_qs(urlsplit(resumed).query)["after"][0]) >= seen_before


def test_a_key_revoked_mid_conversation_stops_the_panel_with_the_reason(
    context: Any, portal: Portal, widget_server: Server
) -> None:
    page = context.new_page()
    page.goto(portal.page(key=REVOKED_LIVE_KEY, open="true"))
    frame = chat_frame(page)
    say(frame, "my loss is flat")
    frame.wait_for_selector("text=Noted:")

    assert revoke_key(widget_server, REVOKED_LIVE_KEY).returncode == 0
    stopped = frame.locator(".fatal")
    stopped.wait_for()
    heading, reason = stopped.locator("h2").inner_text(), stopped.locator("p").inner_text()
    assert heading == "The widget's key was revoked"
    assert reason.startswith("This key was revoked by the operator on ")
    assert reason.endswith(
        "Ask the operator for a new key (for a portal, the new data-key of its script tag)."
    )

    page.reload()
    assert widget_message(page)[1:3] == [heading, reason]
