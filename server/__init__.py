"""The HTTP service: a JSON API over sessions, with live events, probe reports and uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

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


def revoke(plain_key: str, out: TextIO) -> int:
    """Revoke a key in the store the settings name (``unstuck revoke-key``); 1 when there is
    no such key. Running servers refuse it within a second (``server.runtime``)."""
    import time

    from server.keys import revoke_key
    from server.settings import Settings
    from server.storage import open_database
    from server.storage.sql import redact

    settings = Settings()
    record = revoke_key(open_database(settings.database_url), plain_key)
    if record is None or record.revoked is None:
        out.write(
            f"No such key in the session store {redact(settings.database_url)}: nothing was "
            "revoked. Check the key (as in UNSTUCK_SEED_KEYS, or as create_key printed it) and "
            "that UNSTUCK_DATABASE_URL names the servers' store.\n"
        )
        return 1
    day = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(record.revoked))
    out.write(
        f"Revoked the key '{record.name}' ({record.id}) at {day}. Its sessions, widget and "
        "'unstuck probe' tokens stop working within a second on every server.\n"
    )
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
