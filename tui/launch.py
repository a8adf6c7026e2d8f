"""Start the app from the command line: pick the backend and the probe runner."""

from __future__ import annotations

import os

from probes.script import ScriptRun
from tui.backend import Backend
from tui.probing import SubprocessRunner
from tui.remote import API_KEY_ENV


def make_backend(server: str | None, api_key: str | None) -> Backend:
    if server is None:
        from tui.local import LocalBackend

        return LocalBackend()
    from tui.remote import RemoteBackend

    return RemoteBackend(server, api_key or os.environ.get(API_KEY_ENV))


def run(target: str | None = None, server: str | None = None, api_key: str | None = None) -> int:
    """Open the chat (``unstuck chat``); returns the exit status."""
    from tui.app import UnstuckApp

    app = UnstuckApp(make_backend(server, api_key), SubprocessRunner(), target=target)
    app.run()
    return app.return_code or 0


def run_script(script: ScriptRun, server: str | None = None, api_key: str | None = None) -> int:
    """Open the chat on a training script run under the watcher (``unstuck chat --run``)."""
    from tui.app import UnstuckApp
    from tui.script import ScriptRunner

    runner = ScriptRunner(script)
    app = UnstuckApp(
        make_backend(server, api_key),
        runner,
        target=script.path,
        check_target=runner.check,
        read_plain_scripts=False,
    )
    try:
        app.run()
    finally:
        runner.close()
    return app.return_code or 0
