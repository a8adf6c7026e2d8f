"""The help-portal widget in headless Chromium against a real server at 127.0.0.1.

    .venv/bin/python benchmarks/widget.py [--runs 20] [--chromium /usr/bin/chromium]

Starts ``unstuck serve`` (one process, default settings but the key and the token secret) and
a portal page on another port, then measures, each over ``--runs`` fresh browser profiles:

* script load to launcher visible: from the moment the browser starts fetching widget.js (its
  resource timing) to the first frame in which the launcher button has a size (goal: 300 ms),
  with the fetch's own share;
* in the same runs, interleaved with the widget's, two baselines that say how busy the machine
  was: a minimal embed script (about 400 bytes, served from another 127.0.0.1 port like
  widget.js, that only draws a button in a shadow root) timed the same way, and a blank page's
  navigation to its first frame. The widget's own cost is its time over the minimal script's,
  per run; on an idle machine the minimal script takes a few milliseconds;
* first reply: from pressing Enter on a complaint (a different story each run, from
  benchmarks/stories.yaml) in a freshly opened panel to the assistant's reply on screen,
  Markdown rendered (goal: p95 under 500 ms). The reply comes through the event stream, so
  ``UNSTUCK_SSE_POLL_S`` (0.2 s by default) is part of it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import serving  # benchmarks/serving.py: the script's own folder is on sys.path
import yaml

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-widget-key-0123456789"
SECRET = "bench-widget-secret-0123456789abcdef0123"
STORIES = Path(__file__).resolve().parent / "stories.yaml"

# The baseline embed: the least a script can do to show a launcher, the way widget.js does it.
MINIMAL_EMBED = b"""(function () {
  var host = document.createElement("div");
  host.setAttribute("data-unstuck-widget", "");
  var root = host.attachShadow({ mode: "open" });
  var button = document.createElement("button");
  button.className = "launcher";
  button.textContent = "Help";
  button.style.cssText = "position:fixed;right:16px;bottom:16px;padding:12px 18px";
  root.append(button);
  document.body.append(host);
})();
"""

# Installed before the portal's own scripts run: notes the first frame in which the launcher
# has a size, so that nothing the benchmark does afterwards counts; and the first frame of
# the page at all (the blank page's baseline).
WATCH_LAUNCHER = """
if (window === window.top) {
  requestAnimationFrame(() => { window.__firstFrame = performance.now(); });
  const look = () => {
    const host = document.querySelector('[data-unstuck-widget]');
    const button = host && host.shadowRoot && host.shadowRoot.querySelector('.launcher');
    if (button && button.getBoundingClientRect().width > 0) {
      window.__launcherSeen = performance.now();
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}
"""

FIRST_FRAME = """async () => {
  while (window.__firstFrame === undefined) { await new Promise(r => setTimeout(r, 10)); }
  return window.__firstFrame;
}"""

LAUNCHER_VISIBLE = """async () => {
  while (window.__launcherSeen === undefined) { await new Promise(r => setTimeout(r, 10)); }
  const script = performance.getEntriesByType('resource').find(e => e.name.endsWith('/widget.js'));
  return [window.__launcherSeen - script.startTime, script.responseEnd - script.startTime];
}"""

FIRST_REPLY = """async (text) => {
  const replies = () => document.querySelectorAll('.bubble.assistant').length;
  const before = replies();
  document.getElementById('text').value = text;
  const sent = performance.now();
  document.getElementById('composer').requestSubmit();
  while (replies() <= before) { await new Promise(r => requestAnimationFrame(r)); }
  return performance.now() - sent;
}"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, portal: str, folder: Path) -> subprocess.Popen[bytes]:
    return serving.start_server(
        port,
        {
            "UNSTUCK_DATABASE_URL": f"sqlite:///{folder / 'sessions.sqlite3'}",
            "UNSTUCK_SEED_KEYS": (
                f'[{{"name": "bench", "key": "{KEY}", "origins": ["{portal}"]}}]'
            ),
            "UNSTUCK_TOKEN_SECRET": SECRET,
            "UNSTUCK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "UNSTUCK_RATE_LIMIT": "100000000",
        },
    )


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser profile closed while a page loaded: not the benchmark's concern."""


def portal_page(script: str) -> bytes:
    tag = f"<script src='{script}' data-key='{KEY}' data-open='true' async></script>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>portal</title>"
        f"</head><body><h1>Help</h1>{tag if script else ''}</body></html>"
    ).encode()


def serve_portal(port: int, service: str, minimal_embed: str) -> ThreadingHTTPServer:
    """The portal's pages: ``/`` embeds widget.js, ``/baseline`` the minimal embed script
    (served from ``minimal_embed``, another port), ``/blank`` nothing; and that script."""
    pages = {
        "/": ("text/html", portal_page(f"{service}/widget.js")),
        "/baseline": ("text/html", portal_page(f"{minimal_embed}/baseline/widget.js")),
        "/blank": ("text/html", portal_page("")),
        "/baseline/widget.js": ("text/javascript", MINIMAL_EMBED),
    }

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            media_type, body = pages.get(self.path, ("text/plain", b"not here"))
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", f"{media_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = QuietServer(("127.0.0.1", port), Portal)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def complaints() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text())["stories"]
    return [" ".join(story["say"].split()) for story in stories]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, values: list[float], goal: str) -> str:
    return (
        f"{name}: p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, "
        f"max {max(values):.0f} ms over {len(values)} runs ({goal})"
    )


@dataclass
class Timings:
    """Milliseconds, one per run."""

    launcher: list[float] = field(default_factory=list)
    fetch: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)
    minimal_launcher: list[float] = field(default_factory=list)
    minimal_fetch: list[float] = field(default_factory=list)
    blank_frame: list[float] = field(default_factory=list)

    @property
    def after_fetch(self) -> list[float]:
        """From widget.js arrived to the launcher on screen: parse, run, style, first frame."""
        return [v - f for v, f in zip(self.launcher, self.fetch, strict=True)]

    @property
    def minimal_after_fetch(self) -> list[float]:
        return [v - f for v, f in zip(self.minimal_launcher, self.minimal_fetch, strict=True)]

    @property
    def over_minimal(self) -> list[float]:
        """The widget's launcher time over the minimal script's, run by run."""
        return [w - m for w, m in zip(self.launcher, self.minimal_launcher, strict=True)]


def fresh_page(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context()
    context.add_init_script(WATCH_LAUNCHER)
    page = context.new_page()
    page.goto(url)
    return context, page


def measure(chromium: str, portal: str, runs: int) -> Timings:
    """Each run: the blank page, the minimal embed, then the widget (with its first reply),
    each in a fresh browser profile, so that a busy moment weighs on all three alike."""
    from playwright.sync_api import sync_playwright

    timings = Timings()
    words = complaints()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for run in range(runs):
            context, page = fresh_page(browser, portal + "/blank")
            timings.blank_frame.append(page.evaluate(FIRST_FRAME))
            context.close()
            context, page = fresh_page(browser, portal + "/baseline")
            visible, fetched = page.evaluate(LAUNCHER_VISIBLE)
            timings.minimal_launcher.append(visible)
            timings.minimal_fetch.append(fetched)
            context.close()
            context, page = fresh_page(browser, portal + "/")
            visible, fetched = page.evaluate(LAUNCHER_VISIBLE)
            timings.launcher.append(visible)
            timings.fetch.append(fetched)
            frame = None
            while frame is None:
                frame = next((f for f in page.frames if "/widget/frame" in f.url), None)
                page.wait_for_timeout(20)
            frame.wait_for_selector(".bubble.assistant")
            timings.reply.append(frame.evaluate(FIRST_REPLY, words[run % len(words)]))
            context.close()
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port, portal_port, other_port = free_port(), free_port(), free_port()
    service, portal = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{portal_port}"
    minimal = f"http://127.0.0.1:{other_port}"
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(port, portal, Path(folder))
        portals = [serve_portal(p, service, minimal) for p in (portal_port, other_port)]
        try:
            timings = measure(args.chromium, portal, args.runs)
        finally:
            for httpd in portals:
                httpd.shutdown()
            server.terminate()
            server.wait(timeout=30)
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores")
    print(summary("script load to launcher visible", timings.launcher, "goal: under 300 ms"))
    print(summary("  of which fetching widget.js", timings.fetch, "the network part"))
    print(summary("  from its arrival to the launcher", timings.after_fetch, "parse, run, draw"))
    print(
        summary(
            "baseline: minimal embed script to its button", timings.minimal_launcher, "same path"
        )
    )
    print(summary("  of which fetching it", timings.minimal_fetch, "the network part"))
    print(
        summary("  from its arrival to the button", timings.minimal_after_fetch, "parse, run, draw")
    )
    print(summary("widget over the baseline, run by run", timings.over_minimal, "its own cost"))
    print(summary("baseline: blank page to its first frame", timings.blank_frame, "machine load"))
    print(summary("first reply to a complaint rendered", timings.reply, "goal: p95 under 500 ms"))


if __name__ == "__main__":
    main()
