"""Portal pages on other origins for the widget's browser tests, and what they share."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from serverharness import REPO, Server

CHROMIUM = Path(os.environ.get("UNSTUCK_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "widget"
WIDGET_KEY = "widget-key-0123456789abcdef"
#: Keys for the same portal that tests revoke: while a session is open, and in the seed.
REVOKABLE_KEY = "widget-revokable-0123456789abcdef"
REVOKED_LIVE_KEY = "widget-revoked-live-0123456789abcdef"
REVOKED_SEED_KEY = "widget-revoked-seed-0123456789abcdef"
TOKEN_SECRET = "widget-test-secret-0123456789abcdef0123456789"
#: Seconds, not a minute: the browser's own reconnection then meets an expired token.
STREAM_TOKEN_TTL_S = 2


def browser_problem() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: run .ci/browser.sh (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: pip install -e '.[dev]'"
    return None


@dataclass(frozen=True)
class Portal:
    """A help portal: a page server on its own 127.0.0.1 port, so its own origin."""

    port: int
    service: str

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, **attributes: str) -> str:
        """The URL of a page embedding the widget with these ``data-*`` attributes."""
        query = "&".join(f"{name}={value}" for name, value in attributes.items())
        return f"{self.origin}/?{query}"


def portal_handler(service: str) -> type[BaseHTTPRequestHandler]:
    class PortalPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            attributes = " ".join(
                f'data-{html.escape(name)}="{html.escape(value)}"' for name, value in query.items()
            )
            body = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                "<title>ML help portal</title>"
                "<style>button { all: unset; color: red; } div { font-size: 40px; }</style>"
                "</head><body><main><h1>ML platform help</h1><p>Training docs and FAQs.</p>"
                "</main>"
                f'<script src="{service}/widget.js" {attributes} async></script>'
                "</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return PortalPage


VENDOR = Path(__file__).resolve().parent / "vendor"


# -- driving the widget in the browser ------------------------------------------------

TIMEOUT_MS = 20_000
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


def chat_frame(page: Any) -> Any:
    """The widget's frame, once its chat has started."""
    page.locator("[data-unstuck-widget]").wait_for(state="attached")
    for _ in range(400):
        for frame in page.frames:
            if "/widget/frame" in frame.url:
                frame.wait_for_selector(".bubble.assistant")
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("the widget's frame did not appear")


def launcher(page: Any) -> Any:
    return page.locator("[data-unstuck-widget] >> css=.launcher")


def launcher_expanded(page: Any, wanted: str) -> str:
    """The launcher's aria-expanded once it reads ``wanted``, or after 5 s: the panel closes
    and opens through a message between the frame and the page, which takes a moment."""
    for _ in range(100):
        seen = str(launcher(page).get_attribute("aria-expanded"))
        if seen == wanted:
            break
        page.wait_for_timeout(50)
    return seen


def widget_message(page: Any) -> list[str]:
    """The lines of the message the widget shows in place of the chat."""
    box = page.locator("[data-unstuck-widget] >> css=.message")
    box.wait_for()
    return [line for line in box.inner_text().splitlines() if line.strip()]


def say(frame: Any, text: str) -> None:
    frame.fill("#text", text)
    frame.press("#text", "Enter")


def answer_first_choice(frame: Any) -> None:
    """Click the first answer of the open question and wait for what comes next."""
    asked = frame.locator(".choices").count()
    frame.locator(".choices").last.locator("button").first.click()
    frame.wait_for_function(
        "n => document.querySelectorAll('.choices').length > n || document.querySelector('.card')",
        arg=asked,
    )


def no_script_ran(page: Any, frame: Any) -> bool:
    ran: bool = page.evaluate("() => 'x' in window && window.__xss === 1") or frame.evaluate(
        "() => window.__xss === 1"
    )
    return not ran


def revoke_key(server: Server, key: str) -> subprocess.CompletedProcess[str]:
    """``unstuck revoke-key -`` as the operator runs it, the key on stdin (not in history)."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.main", "revoke-key", "-"],
        input=key + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=server.env,
        timeout=60,
    )
