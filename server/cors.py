"""CORS per API key: a browser may call the API only from the origins of the key it uses.

A preflight (``OPTIONS``) carries no credentials, so it is answered for any origin that some
key allows; the real request then gets ``Access-Control-Allow-Origin`` only when its origin is
one of the origins of its own key (``server.auth`` records them on the request).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID"
ORIGINS_STATE = "key_origins"
ORIGINS_TTL_S = 5.0


class KeyCorsMiddleware:
    def __init__(self, app: ASGIApp, known_origins: Callable[[], set[str]]) -> None:
        self.app = app
        self._known_origins = known_origins
        self._cached: tuple[float, set[str]] = (0.0, set())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin.rstrip("/"), send)
            return
        await self.app(scope, receive, self._allowing(scope, origin, send))

    def _allowing(self, scope: Scope, origin: str, send: Send) -> Send:
        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                allowed = scope.get("state", {}).get(ORIGINS_STATE, ())
                response_headers = MutableHeaders(scope=message)
                response_headers.append("Vary", "Origin")
                if origin.rstrip("/") in allowed:
                    response_headers["Access-Control-Allow-Origin"] = origin
            await send(message)

        return send_with_cors

    async def _preflight(self, origin: str, send: Send) -> None:
        if origin in await self._origins():
            status = 204
            body = b""
            headers = [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
                (b"vary", b"Origin"),
            ]
        else:
            status = 403
            body = json.dumps(
                {
                    "error": {
                        "code": "origin_not_allowed",
                        "message": f"No API key allows requests from {origin}. Add it to the "
                        "key's origins.",
                    }
                }
            ).encode()
            headers = [(b"content-type", b"application/json"), (b"vary", b"Origin")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _origins(self) -> set[str]:
        fetched_at, origins = self._cached
        now = time.monotonic()
        if now - fetched_at > ORIGINS_TTL_S:
            origins = await run_in_threadpool(self._known_origins)
            self._cached = (now, origins)
        return origins
