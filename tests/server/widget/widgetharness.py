"""Portal pages on other origins for the widget's browser tests, and what they share."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CHROMIUM = Path(os.environ.get("UNSTUCK_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "widget"
WIDGET_KEY = "widget-key-0123456789abcdef"
TOKEN_SECRET = "widget-test-secret-0123456789abcdef0123456789"


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
