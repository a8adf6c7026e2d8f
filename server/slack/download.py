"""Downloading a file shared in Slack, retried when Slack is busy.

Web API calls are retried by slack_sdk's handlers (``server.slack.frontend``), but a file comes
from ``url_private_download`` over plain HTTP, so its retries are here: HTTP 429 waits for the
``Retry-After`` Slack sends, a 5xx or a dropped connection backs off (1 s, 2 s, 4 s...), both
bounded by a few tries and a cap on the total wait. Any other answer (401, 403, 404...) will
not change by waiting and fails at once. A download that still fails says so in the thread, with
what was seen and what to do.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

#: Tries in all, the first one included.
DOWNLOAD_TRIES = 4
#: The most time spent waiting between tries of one download, in seconds: beyond it the user
#: is better told to share the file again later than left waiting without a word.
DOWNLOAD_WAIT_CAP_S = 30.0
#: The first back-off after a 5xx or a dropped connection; it doubles on each try.
FIRST_BACKOFF_S = 1.0
DOWNLOAD_TIMEOUT_S = 60.0

Sleep = Callable[[float], Awaitable[None]]


class FileProblem(Exception):
    """A shared file that cannot be checked; the message says why and what to do."""


@dataclass(frozen=True)
class _Transient:
    """An answer that may change if asked again: what was seen, and how long Slack asked to
    wait (None when it did not say)."""

    seen: str
    retry_after_s: float | None


async def download(
    url: str,
    token: str,
    name: str,
    limit: int,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> bytes:
    """The file at ``url`` (at most ``limit`` bytes), fetched with the bot ``token``; raises
    ``FileProblem`` with the message for the thread when it cannot be had."""
    waited = 0.0
    attempt = 1
    async with httpx.AsyncClient(
        timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True, transport=transport
    ) as http:
        while True:
            outcome = await _try_once(http, url, token, name, limit)
            if isinstance(outcome, bytes):
                return outcome
            asked = outcome.retry_after_s
            wait = asked if asked is not None else FIRST_BACKOFF_S * 2 ** (attempt - 1)
            if attempt == DOWNLOAD_TRIES:
                raise FileProblem(_gave_up(name, outcome, attempt, waited))
            if waited + wait > DOWNLOAD_WAIT_CAP_S:
                raise FileProblem(
                    _asked_to_wait(name, outcome, wait)
                    if asked is not None
                    else _gave_up(name, outcome, attempt, waited)
                )
            await sleep(wait)
            waited += wait
            attempt += 1


async def _try_once(
    http: httpx.AsyncClient, url: str, token: str, name: str, limit: int
) -> bytes | _Transient:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with http.stream("GET", url, headers=headers) as response:
            if response.status_code == 429:
                return _Transient("HTTP 429, rate limited", retry_after(response))
            if response.status_code >= 500:
                return _Transient(f"HTTP {response.status_code}", retry_after(response))
            if response.status_code != 200:
                raise FileProblem(
                    f"Downloading '{name}' from Slack failed (HTTP {response.status_code}). "
                    "Check that unstuck has the files:read scope, then share it again."
                )
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    raise FileProblem(too_large(name, len(data), limit))
            return bytes(data)
    except httpx.TransportError as error:
        return _Transient(f"the connection failed: {type(error).__name__}", None)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from the ``Retry-After`` header (seconds or an HTTP date), or None
    when it is absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"The file '{name}' is {size} bytes; the limit for a table is {limit} bytes. Share a "
        "sample of its rows."
    )


def _gave_up(name: str, last: _Transient, tries: int, waited: float) -> str:
    return (
        f"Downloading '{name}' from Slack failed {tries} times (last: {last.seen}), over "
        f"{waited:.0f} s of waiting. Slack is busy or limiting this app: share the file again "
        "in a few minutes."
    )


def _asked_to_wait(name: str, last: _Transient, wait: float) -> str:
    return (
        f"Slack asked to wait {wait:.0f} s before downloading '{name}' again ({last.seen}); "
        f"unstuck waits {DOWNLOAD_WAIT_CAP_S:.0f} s at most. Share the file again in a few "
        "minutes."
    )
