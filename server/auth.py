"""Who is asking: an API key in ``Authorization: Bearer <key>``, or a session token (widget,
``unstuck probe``) that opens one session; checked and rate-limited."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from server import probe_tokens, tokens
from server.cors import ORIGINS_STATE
from server.errors import (
    InvalidToken,
    KeyRevoked,
    MissingKey,
    OriginNotAllowed,
    TokenOutOfScope,
    WidgetUnavailable,
    WrongKey,
)
from server.runtime import Runtime
from server.storage import KeyRecord

bearer = HTTPBearer(
    auto_error=False,
    description="An API key made by server.keys.create_key or UNSTUCK_SEED_KEYS, or a session "
    "token from the widget (server.tokens).",
)

#: The routes each kind of token opens, besides the check that it names the route's session.
STREAM_ROUTE = "/v1/sessions/{session_id}/events"
PROBE_REPORT_ROUTE = "/v1/sessions/{session_id}/probe-reports"


# The dependencies are coroutines on purpose: FastAPI runs a plain function dependency in the
# thread pool, and each hop there cost more than the whole dialogue turn.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> KeyRecord:
    query_token = request.query_params.get("token")
    if credentials is not None and probe_tokens.looks_like_probe_token(credentials.credentials):
        return await _probe_token_holder(request, runtime, credentials.credentials)
    if credentials is not None and tokens.looks_like_token(credentials.credentials):
        return await _token_holder(request, runtime, credentials.credentials, in_query=False)
    if credentials is None and query_token is not None:
        return await _token_holder(request, runtime, query_token, in_query=True)
    if credentials is None:
        raise MissingKey(
            "This route needs an API key: send the header 'Authorization: Bearer <key>'."
        )
    found, key = runtime.cached_key(credentials.credentials)
    if not found:
        key = await run_in_threadpool(runtime.key, credentials.credentials)
    if key is None:
        raise WrongKey(
            "The API key is not one this service knows. Check it for typos, or ask the "
            "operator for a key."
        )
    if key.revoked is not None:
        raise KeyRevoked(revoked_message(key.revoked))
    setattr(request.state, ORIGINS_STATE, key.origins)
    runtime.limiter.check(key.id)
    return key


def revoked_message(when: float) -> str:
    day = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))
    return (
        f"This key was revoked by the operator on {day}: it opens no session and no call any "
        "more, nor do the widget and 'unstuck probe' tokens issued under it. Ask the operator "
        "for a new key (for a portal, the new data-key of its script tag)."
    )


async def refuse_revoked(runtime: Runtime, key_id: str) -> None:
    """``KeyRevoked`` when the key a token was issued under has been revoked since."""
    found, when = runtime.cached_revocation(key_id)
    if not found:
        if runtime.inline_store:
            when = runtime.revoked(key_id)
        else:
            when = await run_in_threadpool(runtime.revoked, key_id)
    if when is not None:
        raise KeyRevoked(revoked_message(when))


def token_secret(runtime: Runtime) -> bytes:
    secret = runtime.settings.token_secret
    if secret is None:
        raise WidgetUnavailable(
            "Session tokens are off: this service has no UNSTUCK_TOKEN_SECRET. The operator "
            "sets it (at least 32 characters, the same on every server process) to turn on "
            "the help-portal widget."
        )
    return secret.get_secret_value().encode()


def check_token(runtime: Runtime, token: str, *purposes: tokens.Purpose) -> tokens.Claim:
    try:
        return tokens.verify(token_secret(runtime), token, purposes)
    except tokens.TokenError as error:
        raise InvalidToken(
            f"The token opens nothing: {error}. The widget gets a new one when its page "
            "reloads; for 'unstuck probe', copy the command from the widget again."
        ) from error


def own_origins(request: Request, runtime: Runtime) -> set[str]:
    """The origins this service is reached at: the widget's frame calls the API from there."""
    public = urlsplit(runtime.settings.public_url)
    return {f"{public.scheme}://{public.netloc}", str(request.base_url).rstrip("/")}


def check_origin(
    request: Request, allowed: set[str], headers: dict[str, str] | None = None
) -> None:
    """A browser names the page's origin on cross-origin calls (and same-origin POSTs)."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in allowed:
        raise OriginNotAllowed(
            f"Requests from {origin} may not use this key or token. The key's origins name the "
            "portals that may embed the widget; ask the operator to add this one.",
            headers,
        )


async def _token_holder(
    request: Request, runtime: Runtime, token: str, in_query: bool
) -> KeyRecord:
    """The key a token was issued under, once the token is found to open this route.

    Past this point only the key's id matters (it owns the session and is rate-limited). The
    key's origins are left out: tokens are used from the widget's own frame, same-origin.
    """
    route = getattr(request.scope.get("route"), "path", "")
    purposes: tuple[tokens.Purpose, ...] = ("session",)
    if in_query:
        if route != STREAM_ROUTE:
            raise TokenOutOfScope(
                "A token in the query string opens only the event stream; send a session "
                "token as 'Authorization: Bearer <token>'."
            )
        purposes = ("stream",)
    elif route == PROBE_REPORT_ROUTE:
        purposes = ("probe", "session")
    claim = check_token(runtime, token, *purposes)
    if request.path_params.get("session_id") != claim.session_id:
        raise TokenOutOfScope(
            f"This token opens session '{claim.session_id}' only, not this route. Use the API "
            "key for anything else."
        )
    check_origin(request, own_origins(request, runtime))
    await refuse_revoked(runtime, claim.key_id)
    runtime.limiter.check(claim.key_id)
    return KeyRecord(id=claim.key_id, name="", origins=())


async def _probe_token_holder(request: Request, runtime: Runtime, token: str) -> KeyRecord:
    """The key of the session a stored probe token (``server.probe_tokens``) opens."""
    route = getattr(request.scope.get("route"), "path", "")
    session_id = request.path_params.get("session_id", "")
    if route != PROBE_REPORT_ROUTE:
        raise TokenOutOfScope(
            "A probe token opens only POST /v1/sessions/{id}/probe-reports of its own session."
        )
    try:
        record = await run_in_threadpool(probe_tokens.verify, runtime.db, token, session_id)
    except probe_tokens.ProbeTokenError as error:
        raise InvalidToken(
            f"The probe token opens nothing here: {error}. Each time the assistant asks for "
            "checks in Slack, its 'unstuck probe' command carries a fresh token: copy the newest."
        ) from error
    runtime.limiter.check(record.key_id)
    return KeyRecord(id=record.key_id, name="", origins=())


Key = Annotated[KeyRecord, Depends(current_key)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
