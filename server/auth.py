"""Who is asking: the API key in ``Authorization: Bearer <key>``, checked and rate-limited."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from server.cors import ORIGINS_STATE
from server.errors import MissingKey, WrongKey
from server.runtime import Runtime
from server.storage import KeyRecord

bearer = HTTPBearer(
    auto_error=False,
    description="An API key made by server.keys.create_key or UNSTUCK_SEED_KEYS.",
)


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
    setattr(request.state, ORIGINS_STATE, key.origins)
    runtime.limiter.check(key.id)
    return key


Key = Annotated[KeyRecord, Depends(current_key)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
