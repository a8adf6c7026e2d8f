"""The HTTP service: a JSON API over sessions, with live events, probe reports and uploads."""

from __future__ import annotations


def run(host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve until stopped (``unstuck serve``); settings come from ``UNSTUCK_*`` variables."""
    import uvicorn

    from server.app import create_app

    uvicorn.run(create_app(), host=host, port=port, proxy_headers=True, log_level="info")
    return 0
