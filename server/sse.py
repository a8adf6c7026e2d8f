"""Server-sent events for a session: its new events, replies, job status and probe progress.

Every item is stored with a per-session sequence number, which is its SSE ``id``; a client that
reconnects with ``Last-Event-ID: N`` gets everything after N, also across server restarts and
from any server process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from server.api import SessionId
from server.auth import Key, RuntimeDep, refuse_revoked
from server.errors import InvalidInput, KeyRevoked
from server.openapi import errors
from server.runtime import Runtime
from server.storage import StreamRecord

router = APIRouter(prefix="/v1/sessions", tags=["events"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A text/event-stream. Each item has an `id`, an `event` (`event`: a "
        "session event; `reply`: an assistant reply; `job`: a table job's status; `progress`: "
        "a running probe's progress) and JSON `data`.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/{session_id}/events",
    response_class=StreamingResponse,
    responses={**_STREAM_DOC, **errors(404)},
)
async def events(
    request: Request,
    key: Key,
    runtime: RuntimeDep,
    session_id: SessionId,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    follow: Annotated[
        bool, Query(description="Keep the stream open for new items (false: send the backlog)")
    ] = True,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            description="Resume after this item, like Last-Event-ID, for a client that cannot "
            "send headers (a browser's new EventSource); the header wins when both are sent",
        ),
    ] = None,
) -> StreamingResponse:
    """The session's event stream; send ``Last-Event-ID`` to resume after an item."""
    after = _last_seen(last_event_id) if last_event_id or after is None else after
    await run_in_threadpool(runtime.sessions.owned, key, session_id)
    return StreamingResponse(
        _items(request, runtime, key.id, session_id, after, follow),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _last_seen(header: str | None) -> int:
    if header is None or header.strip() == "":
        return 0
    if not header.strip().isdigit():
        raise InvalidInput(
            f"Last-Event-ID is {header!r}; expected the id (a whole number) of the last item "
            "received."
        )
    return int(header)


async def _items(
    request: Request, runtime: Runtime, key_id: str, session_id: str, after: int, follow: bool
) -> AsyncIterator[str]:
    settings = runtime.settings
    yield "retry: 2000\n\n"
    quiet_since = time.monotonic()
    while True:
        if await _revoked(runtime, key_id):
            # An open stream ends with its key; the client's reconnection is then refused
            # with the reason (``key_revoked``).
            return
        rows = await run_in_threadpool(runtime.db.stream, session_id, after)
        for row in rows:
            yield _format(row)
            after = row.seq
        if not follow and not rows:
            return
        if rows:
            quiet_since = time.monotonic()
            continue
        if await request.is_disconnected():
            return
        if time.monotonic() - quiet_since > settings.sse_ping_s:
            yield ": ping\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(settings.sse_poll_s)


async def _revoked(runtime: Runtime, key_id: str) -> bool:
    try:
        await refuse_revoked(runtime, key_id)
    except KeyRevoked:
        return True
    return False


def _format(row: StreamRecord) -> str:
    return f"id: {row.seq}\nevent: {row.kind}\ndata: {row.data}\n\n"
