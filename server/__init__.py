"""The HTTP service: a JSON API over sessions, with live events, probe reports and uploads."""

from __future__ import annotations


def run(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, access_log: bool = True
) -> int:
    """Serve until stopped (``unstuck serve``); settings come from ``UNSTUCK_*`` variables.

    With ``workers`` above 1, that many processes share the port and the session store; each
    request may reach any of them (a session's log in the store is the truth, see
    ``server.sessions``).
    """
    import uvicorn

    if workers > 1:
        uvicorn.run(
            "server.app:app",
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
            access_log=access_log,
        )
        return 0
    from server.app import create_app

    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        proxy_headers=True,
        log_level="info",
        access_log=access_log,
    )
    return 0
