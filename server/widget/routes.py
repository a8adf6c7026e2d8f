"""The widget's routes: the script, the frame page with its assets, and the frame's tokens.

Nothing here is part of the versioned API (``include_in_schema=False``): these routes serve
the widget's own files and the tokens its frame uses to call ``/v1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from server import tokens
from server.auth import (
    Key,
    RuntimeDep,
    bearer,
    check_origin,
    check_token,
    own_origins,
    refuse_revoked,
    revoked_message,
    token_secret,
)
from server.errors import KeyRevoked, MissingKey, SessionNotFound, WrongKey
from server.runtime import Runtime
from server.storage import KeyRecord
from server.widget.markdown import to_html
from server.widget.schemas import (
    OpenSession,
    RenderBody,
    Rendered,
    StreamToken,
    WidgetConfig,
    WidgetSession,
)

STATIC = Path(__file__).resolve().parent / "static"
#: The frame's files, by the name they are served under, with their media type.
ASSETS = {
    "frame.js": "text/javascript; charset=utf-8",
    "frame.css": "text/css; charset=utf-8",
}
#: What the frame may load and run: its own files and calls to this service, nothing else.
FRAME_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
# An origin as a key lists it; anything else (a space, a ';') could change the policy's meaning.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
SCRIPT_MAX_AGE_S = 300

SESSION_ONLY: tuple[tokens.Purpose, ...] = ("session",)

P = ParamSpec("P")
T = TypeVar("T")

router = APIRouter(include_in_schema=False, tags=["widget"])


@lru_cache(maxsize=len(ASSETS) + 2)
def static_file(name: str) -> bytes:
    """A file of the widget, read once: the routes below then answer on the event loop, with no
    file to open and no hop to a worker thread on the way to showing the launcher."""
    return (STATIC / name).read_bytes()


@router.get("/widget.js")
async def widget_script() -> Response:
    """The embed script. Portals link it directly, so it is cached for minutes, not days."""
    return Response(
        static_file("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={SCRIPT_MAX_AGE_S}"},
    )


@router.get("/widget/static/{name}")
async def frame_asset(name: str) -> Response:
    if name not in ASSETS:
        raise HTTPException(404)
    return Response(
        static_file(name),
        media_type=ASSETS[name],
        headers={"Cache-Control": f"public, max-age={SCRIPT_MAX_AGE_S}"},
    )


@router.get("/widget/frame")
async def frame(
    runtime: RuntimeDep, key: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    """The chat panel. Only the key's origins may frame it (``frame-ancestors``); for a
    missing or unknown key the page still loads, anywhere, and says what is wrong."""
    record = await _key_record(runtime, key) if key else None
    ancestors = "*" if record is None else frame_ancestors(record.origins)
    return Response(
        static_file("frame.html"),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": f"{FRAME_POLICY}; frame-ancestors {ancestors}",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The key's origins as a ``frame-ancestors`` source list; ``'none'`` when it has none."""
    listed = [origin for origin in origins if _ORIGIN.match(origin)]
    return " ".join(listed) if listed else "'none'"


@router.get("/widget/config")
async def config(
    request: Request,
    runtime: RuntimeDep,
    key: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Asked by ``widget.js`` from the portal's page before it shows the launcher, so that a
    wrong key or a portal the key does not allow gets a clear message instead of a frame the
    browser refuses. Readable from any origin: it says only whether this page may embed it."""
    anyone = {"Access-Control-Allow-Origin": "*"}
    if not key:
        raise MissingKey(
            'The widget\'s script tag has no data-key: add data-key="<key>" with the key the '
            "operator gave for this portal.",
            headers=anyone,
        )
    record = await _key_record(runtime, key)
    if record is None:
        raise WrongKey(_unknown_key_message(), headers=anyone)
    if record.revoked is not None:
        raise KeyRevoked(revoked_message(record.revoked), headers=anyone)
    check_origin(request, {*record.origins, *own_origins(request, runtime)}, anyone)
    body = WidgetConfig(name=record.name).model_dump_json()
    return Response(body, media_type="application/json", headers=anyone)


@router.post("/widget/session")
async def open_session(
    request: Request, key: Key, runtime: RuntimeDep, body: OpenSession | None = None
) -> WidgetSession:
    """A session for the frame, with its tokens: the one it held, while its token is valid
    and the key is the same, else a new one. Called on every page load, so a removed key or a
    portal taken off the key's origins stops the widget at the next load."""
    check_origin(request, {*key.origins, *own_origins(request, runtime)})
    secret = token_secret(runtime)
    resumed = await _resumable(runtime, secret, key, body.resume if body else None)
    if resumed is None:
        session_id, _ = await _call(runtime, runtime.sessions.create, key, None)
    else:
        session_id = resumed
    ttl = runtime.settings.widget_token_ttl_s
    token, claim = tokens.issue(secret, "session", key.id, session_id, ttl)
    probe_token, _ = tokens.issue(secret, "probe", key.id, session_id, ttl)
    return WidgetSession(
        session=session_id,
        token=token,
        expires=claim.expires,
        probe_token=probe_token,
        public_url=runtime.settings.public_url.rstrip("/"),
        resumed=resumed is not None,
        max_upload_bytes=runtime.settings.max_upload_bytes,
    )


async def session_claim(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    runtime: RuntimeDep,
) -> tokens.Claim:
    """The frame's session token, from the frame's own origin."""
    if credentials is None:
        raise MissingKey(
            "This route needs the widget's session token: 'Authorization: Bearer <token>'."
        )
    claim = check_token(runtime, credentials.credentials, "session")
    check_origin(request, own_origins(request, runtime))
    await refuse_revoked(runtime, claim.key_id)
    runtime.limiter.check(claim.key_id)
    return claim


SessionClaim = Annotated[tokens.Claim, Depends(session_claim)]


@router.post("/widget/stream-token")
async def stream_token(claim: SessionClaim, runtime: RuntimeDep) -> StreamToken:
    """A token for one ``EventSource`` connection to the session's stream, which cannot send
    the session token as a header; it travels in the URL, so it lives seconds."""
    token, stream_claim = tokens.issue(
        token_secret(runtime),
        "stream",
        claim.key_id,
        claim.session_id,
        runtime.settings.stream_token_ttl_s,
    )
    return StreamToken(token=token, expires=stream_claim.expires)


@router.post("/widget/render")
async def render(claim: SessionClaim, body: RenderBody) -> Rendered:
    """The assistant's Markdown as sanitised HTML (``server.widget.markdown``)."""
    return Rendered(html=[to_html(text) for text in body.texts])


async def _key_record(runtime: Runtime, plain_key: str) -> KeyRecord | None:
    found, record = runtime.cached_key(plain_key)
    if not found:
        record = await run_in_threadpool(runtime.key, plain_key)
    return record


async def _resumable(
    runtime: Runtime, secret: bytes, key: KeyRecord, token: str | None
) -> str | None:
    """The session of ``token`` when the frame may go on with it, else None."""
    if not token:
        return None
    try:
        claim = tokens.verify(secret, token, SESSION_ONLY)
    except tokens.TokenError:
        return None
    if claim.key_id != key.id:
        return None
    try:
        await _call(runtime, runtime.sessions.owned, key, claim.session_id)
    except SessionNotFound:
        return None
    return claim.session_id


async def _call(runtime: Runtime, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """On the event loop or in the thread pool, as ``server.api`` runs session operations."""
    if runtime.inline_store:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


def _unknown_key_message() -> str:
    return (
        "The widget's data-key is not a key this service knows. Check it for typos, or ask "
        "the operator for this portal's key."
    )
