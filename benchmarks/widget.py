"""The help-portal widget in headless Chromium against a real server at 127.0.0.1.

    .venv/bin/python benchmarks/widget.py [--runs 20] [--chromium /usr/bin/chromium]

Starts ``unstuck serve`` (one process, default settings but the key and the token secret) and
a portal page on another port, then measures, each over ``--runs`` fresh browser profiles:

* script load to launcher visible: from the moment the browser starts fetching widget.js (its
  resource timing) to the first frame in which the launcher button has a size (goal: 300 ms),
  with the fetch's own share;
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
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-widget-key-0123456789"
SECRET = "bench-widget-secret-0123456789abcdef0123"
STORIES = Path(__file__).resolve().parent / "stories.yaml"

# Installed before the portal's own scripts run: notes the first frame in which the launcher
# has a size, so that nothing the benchmark does afterwards counts.
WATCH_LAUNCHER = """
if (window === window.top) {
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSTUCK_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "UNSTUCK_DATABASE_URL": f"sqlite:///{folder / 'sessions.sqlite3'}",
        "UNSTUCK_SEED_KEYS": f'[{{"name": "bench", "key": "{KEY}", "origins": ["{portal}"]}}]',
        "UNSTUCK_TOKEN_SECRET": SECRET,
        "UNSTUCK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "UNSTUCK_RATE_LIMIT": "100000000",
    }
    command = [sys.executable, "-m", "assistant.main", "serve", "--port", str(port)]
    command += ["--no-access-log"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def serve_portal(port: int, service: str) -> ThreadingHTTPServer:
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>portal</title>"
        f"</head><body><h1>Help</h1><script src='{service}/widget.js' data-key='{KEY}' "
        "data-open='true' async></script></body></html>"
    ).encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Portal)
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


Timings = tuple[list[float], list[float], list[float]]


def measure(chromium: str, portal_url: str, runs: int) -> Timings:
    """Launcher visible, widget.js fetched, first reply: milliseconds, one per run."""
    from playwright.sync_api import sync_playwright

    launcher_ms: list[float] = []
    fetch_ms: list[float] = []
    reply_ms: list[float] = []
    words = complaints()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for run in range(runs):
            context = browser.new_context()
            context.add_init_script(WATCH_LAUNCHER)
            page = context.new_page()
            page.goto(portal_url)
            visible, fetched = page.evaluate(LAUNCHER_VISIBLE)
            launcher_ms.append(visible)
            fetch_ms.append(fetched)
            frame = None
            while frame is None:
                frame = next((f for f in page.frames if "/widget/frame" in f.url), None)
                page.wait_for_timeout(20)
            frame.wait_for_selector(".bubble.assistant")
            reply_ms.append(frame.evaluate(FIRST_REPLY, words[run % len(words)]))
            context.close()
        browser.close()
    return launcher_ms, fetch_ms, reply_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    port, portal_port = free_port(), free_port()
    service, portal = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{portal_port}"
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(port, portal, Path(folder))
        httpd = serve_portal(portal_port, service)
        try:
            launcher_ms, fetch_ms, reply_ms = measure(args.chromium, portal + "/", args.runs)
        finally:
            httpd.shutdown()
            server.terminate()
            server.wait(timeout=30)
    print(summary("script load to launcher visible", launcher_ms, "goal: under 300 ms"))
    print(summary("  of which fetching widget.js", fetch_ms, "the network part"))
    print(summary("first reply to a complaint rendered", reply_ms, "goal: p95 under 500 ms"))


if __name__ == "__main__":
    main()
