"""Wiring only: settings, the runtime, routers, middleware and error handlers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from server import api, errors, runtime, slack, sse, widget
from server.cors import KeyCorsMiddleware
from server.limits import BodyLimitMiddleware
from server.settings import Settings, get_settings

if TYPE_CHECKING:
    from server.slack.service import SlackService

DESCRIPTION = (
    "unstuck as a service: a conversation that finds out why a model does not learn. "
    "Every route but /healthz needs `Authorization: Bearer <API key>`; every error is "
    '`{"error": {"code", "message"}}`.'
)


def create_app() -> FastAPI:
    app = FastAPI(title="unstuck", version="1", description=DESCRIPTION, lifespan=_lifespan)
    errors.install(app)
    routers = (api.health, api.sessions, sse.router, api.job_router, widget.router, slack.router)
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, limit_for=lambda path: _body_limit(app, path))
    app.add_middleware(KeyCorsMiddleware, known_origins=lambda: _origins(app))
    return app


def settings_of(app: FastAPI) -> Settings:
    """The settings the app runs with: ``get_settings`` or its override in tests."""
    provider = app.dependency_overrides.get(get_settings, get_settings)
    settings: Settings = provider()
    return settings


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = await run_in_threadpool(runtime.start, settings_of(app))
    app.state.runtime = state
    # What start-up built (the knowledge base, the text model, library modules: some 160,000
    # objects) lives as long as the process. Frozen, the collector stops walking it on every
    # full collection, which took 80 ms each and set the tail latency.
    app.state.slack = await _start_slack(state)
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if app.state.slack is not None:
            await app.state.slack.close()
        await state.jobs.close()


async def _start_slack(state: runtime.Runtime) -> SlackService | None:
    """The Slack front end when ``SLACK_*`` says so; Bolt is imported only then."""
    from server.slack.settings import get_slack_settings

    config = get_slack_settings()
    if not config.enabled:
        return None
    from server.slack.service import start

    return await start(state, config)


def _body_limit(app: FastAPI, path: str) -> int:
    settings = app.state.runtime.settings if hasattr(app.state, "runtime") else settings_of(app)
    return settings.max_upload_bytes if path.endswith("/tables") else settings.max_body_bytes


def _origins(app: FastAPI) -> set[str]:
    origins: set[str] = app.state.runtime.db.all_origins()
    return origins


app = create_app()
