"""Downloading a shared file: which answers are tried again, how long it waits, and what the
thread is told when Slack keeps refusing (the real 429 runs are in test_slack_checks.py)."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable

import httpx
import pytest

from server.slack.download import (
    DOWNLOAD_TRIES,
    DOWNLOAD_WAIT_CAP_S,
    FileProblem,
    download,
    retry_after,
)

URL = "https://files.slack.example/files-pri/T1-F1/download/data.csv"
Answer = Callable[[httpx.Request], httpx.Response]


def fetch(answers: list[Answer], limit: int = 1000) -> tuple[bytes | str, list[float]]:
    """The bytes (or the problem's message), and each wait asked of ``sleep``."""
    waits: list[float] = []
    pending = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer xoxb-t"
        return pending.pop(0)(request)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> bytes:
        transport = httpx.MockTransport(handler)
        return await download(URL, "xoxb-t", "data.csv", limit, transport=transport, sleep=sleep)

    try:
        return asyncio.run(run()), waits
    except FileProblem as problem:
        return str(problem), waits


def status(code: int, **headers: str) -> Answer:
    return lambda request: httpx.Response(code, headers=headers, content=b"x")


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"a,label\n1,0\n")


def dropped(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("answers", "waits"),
    [
        ([status(429, **{"Retry-After": "3"}), ok], [3.0]),
        ([status(503), status(502), ok], [1.0, 2.0]),
        ([dropped, ok], [1.0]),
        ([status(500, **{"Retry-After": "5"}), ok], [5.0]),
    ],
    ids=["429 waits Retry-After", "5xx backs off", "a dropped connection", "5xx with Retry-After"],
)
def test_a_passing_refusal_is_tried_again_after_the_right_wait(
    answers: list[Answer], waits: list[float]
) -> None:
    assert fetch(answers) == (b"a,label\n1,0\n", waits)


def test_an_answer_that_waiting_cannot_change_fails_at_once() -> None:
    assert fetch([status(404)]) == (
        "Downloading 'data.csv' from Slack failed (HTTP 404). Check that unstuck has the "
        "files:read scope, then share it again.",
        [],
    )


def test_after_the_last_try_the_thread_is_told_what_was_seen_and_what_to_do() -> None:
    message, waits = fetch([status(503)] * DOWNLOAD_TRIES)
    assert waits == [1.0, 2.0, 4.0][: DOWNLOAD_TRIES - 1]
    assert message == (
        f"Downloading 'data.csv' from Slack failed {DOWNLOAD_TRIES} times (last: HTTP 503), "
        "over 7 s of waiting. Slack is busy or limiting this app: share the file again in a "
        "few minutes."
    )


def test_a_retry_after_beyond_the_cap_is_not_waited_for() -> None:
    message, waits = fetch([status(429, **{"Retry-After": "600"})])
    assert waits == []
    assert message == (
        "Slack asked to wait 600 s before downloading 'data.csv' again (HTTP 429, rate "
        f"limited); unstuck waits {DOWNLOAD_WAIT_CAP_S:.0f} s at most. Share the file again "
        "in a few minutes."
    )


def test_the_size_limit_holds_during_the_download() -> None:
    message, _ = fetch([ok], limit=5)
    assert message == (
        "The file 'data.csv' is 12 bytes; the limit for a table is 5 bytes. Share a sample of "
        "its rows."
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None)],
    ids=["seconds", "fraction", "negative", "unreadable", "absent"],
)
def test_retry_after_in_seconds(header: str, seconds: float | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header} if header else {})
    assert retry_after(response) == seconds


def test_retry_after_as_an_http_date() -> None:
    later = email.utils.formatdate(time.time() + 20, usegmt=True)
    waited = retry_after(httpx.Response(429, headers={"Retry-After": later}))
    assert waited is not None and 15 <= waited <= 21
