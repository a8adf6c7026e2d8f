"""A real service, portal pages on other origins, and headless Chromium (Debian's, never a
downloaded one) driven by Playwright, for the widget's browser tests."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverharness import SEED_KEYS, Server, free_port, server_env
from widgetharness import (
    ARTEFACTS,
    CHROMIUM,
    REVOKABLE_KEY,
    REVOKED_LIVE_KEY,
    REVOKED_SEED_KEY,
    STREAM_TOKEN_TTL_S,
    TIMEOUT_MS,
    TOKEN_SECRET,
    WIDGET_KEY,
    Portal,
    browser_problem,
    portal_handler,
)


@pytest.fixture(scope="module")
def portal_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def widget_server(tmp_path_factory: pytest.TempPathFactory, portal_port: int) -> Iterator[Server]:
    """The service with a key for the portal's origin only, a revoked key for the same
    origin, and fast stand-in table probes."""
    folder = tmp_path_factory.mktemp("widget-server")
    origins = [f"http://127.0.0.1:{portal_port}"]
    portal_keys = [
        {"name": "help-portal", "key": WIDGET_KEY, "origins": origins},
        {"name": "revokable", "key": REVOKABLE_KEY, "origins": origins},
        {"name": "revoked-live", "key": REVOKED_LIVE_KEY, "origins": origins},
        {"name": "revoked-seed", "key": REVOKED_SEED_KEY, "origins": origins, "revoked": True},
    ]
    seed = json.dumps([*json.loads(SEED_KEYS), *portal_keys])
    env = server_env(
        f"sqlite:///{folder / 'sessions.sqlite3'}",
        rate_limit="100000",
        token_secret=TOKEN_SECRET,
        probe_registry="fake_probes:PROBES",
        seed_keys=seed,
        # Seconds, not a minute: the browser's own reconnection then meets an expired token.
        stream_token_ttl_s=str(STREAM_TOKEN_TTL_S),
    )
    server = Server(env, folder / "server.log")
    server.env["UNSTUCK_PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


def _serve(port: int, service: str) -> Iterator[Portal]:
    httpd = ThreadingHTTPServer(("127.0.0.1", port), portal_handler(service))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Portal(port, service)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def portal(widget_server: Server, portal_port: int) -> Iterator[Portal]:
    """The portal the widget key allows."""
    yield from _serve(portal_port, widget_server.url)


@pytest.fixture(scope="module")
def other_portal(widget_server: Server) -> Iterator[Portal]:
    """A site the key does not allow."""
    yield from _serve(free_port(), widget_server.url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium. Where it or Playwright is missing the test skips and says why; in CI
    (which installs both with .ci/browser.sh) it fails instead, so it never silently stops."""
    problem = browser_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def artefacts() -> Path:
    """Screenshots kept for a person to look at (CI can keep the folder)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def context(browser: Any, widget_server: Server, portal: Portal) -> Iterator[Any]:
    """A fresh browser profile (nothing stored) that may use the clipboard."""
    made = browser.new_context(viewport={"width": 1280, "height": 800})
    for origin in (widget_server.url, portal.origin):
        made.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    made.set_default_timeout(TIMEOUT_MS)
    yield made
    made.close()
