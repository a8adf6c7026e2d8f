"""The arq worker for table jobs: ``arq server.worker.WorkerSettings``.

It reads ``UNSTUCK_DATABASE_URL`` and ``UNSTUCK_REDIS_URL`` like the server and must reach the
same database (PostgreSQL when servers run on several machines). With the server's ``SLACK_*``
settings it also posts what its jobs bring to sessions held in Slack (the results, or why a
check failed) in their threads, as the server does for the jobs it runs itself; without them
the results still join the session (the thread's next reply goes on from them), but nothing is
posted when they land.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from arq.connections import RedisSettings

from server import runtime
from server.jobs import execute_job
from server.settings import get_settings
from server.slack.frontend import SlackFrontEnd
from server.slack.service import start_poster
from server.slack.settings import get_slack_settings


async def run_table_job(ctx: dict[str, Any], job_id: str) -> None:
    state: runtime.Runtime = ctx["runtime"]
    await asyncio.to_thread(execute_job, state.db, state.sessions, state.settings, job_id)


async def startup(ctx: dict[str, Any]) -> None:
    state = runtime.start(get_settings())
    ctx["runtime"] = state
    ctx["slack"] = await start_poster(state, get_slack_settings())


async def shutdown(ctx: dict[str, Any]) -> None:
    state: runtime.Runtime = ctx["runtime"]
    slack: SlackFrontEnd | None = ctx.get("slack")
    if slack is not None:
        await slack.close()
    state.db.close()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [run_table_job]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url or "redis://127.0.0.1:6379")
    max_jobs = get_settings().job_workers
    job_timeout = get_settings().job_wall_s + 60
