"""The HTTP service: a JSON API over sessions, with live events, probe reports and uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def run(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, access_log: bool = True
) -> int:
    """Serve until stopped (``unstuck serve``); settings come from ``UNSTUCK_*`` variables.

    With ``workers`` above 1, that many processes share the port (``server.workers``) and the
    session store; each connection may reach any of them (a session's log in the store is the
    truth, see ``server.sessions``).
    """
    if workers > 1:
        from server.workers import serve_processes

        return serve_processes(host, port, workers, access_log)

    import uvicorn

    from server.app import create_app

    app: FastAPI = create_app()
    uvicorn.run(app, host=host, port=port, **uvicorn_options(access_log))
    return 0


def settings_problems() -> str | None:
    """Each wrong ``UNSTUCK_*`` setting with what it should hold, or None when all are right.

    Checked before serving, so a typo is named instead of ending the server in a traceback.
    """
    from pydantic import ValidationError

    from server.settings import Settings
    from server.settings import settings_problems as problems
    from server.slack.settings import SlackSettings

    try:
        Settings()
    except ValidationError as error:
        return problems(error)
    return SlackSettings().problems()


def uvicorn_options(access_log: bool) -> dict[str, Any]:
    """What every server process is run with, one process or several."""
    return {"proxy_headers": True, "log_level": "info", "access_log": access_log}
