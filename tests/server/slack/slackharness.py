"""A stand-in for Slack for the Slack tests: its Web API on 127.0.0.1, recording every call and
able to answer 429, and requests to the service signed as Slack signs them."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from serverharness import server_env
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-bot-token"
BOT_USER = "UBOT"
TEAM_A = "TAAAA"
TEAM_B = "TBBBB"
WAIT_S = 20.0


@dataclass
class Call:
    """One request the service made to the fake Slack."""

    method: str
    """``chat.postMessage``, ``files.info``... or ``GET /files/NAME`` for a download."""
    args: dict[str, Any]
    headers: dict[str, str]
    answered: int
    at: float = field(default_factory=time.monotonic)
    """When the call arrived (``time.monotonic``)."""


@dataclass
class FakeSlack:
    """Slack's Web API: ``/api/<method>`` and file downloads under ``/files/``."""

    port: int = 0
    calls: list[Call] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``files.info`` answers by file id."""
    downloads: dict[str, bytes] = field(default_factory=dict)
    """File contents by name, served at ``/files/<name>``."""
    limited: dict[str, int] = field(default_factory=dict)
    """How many more times each method (or ``GET /files/NAME``) answers 429 before it
    answers."""
    retry_after_s: int = 1
    stalled: set[str] = field(default_factory=set)
    """Methods whose calls are recorded (answered 0) and then held unanswered until
    ``unstall`` is set: a post under way when the service dies."""
    unstall: threading.Event = field(default_factory=threading.Event)
    installation_team: str = TEAM_A
    installation_enterprise: str | None = None
    """Set, the OAuth exchange installs the app for this whole organisation (org-wide)."""
    socket_url: str = ""
    """Where ``apps.connections.open`` sends a Socket Mode client (``SocketModeFake``)."""
    listeners: list[Callable[[Call], None]] = field(default_factory=list)
    """Told of each call as it arrives (the benchmark waits on replies this way)."""
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files/{name}"

    def next_ts(self) -> str:
        with self._lock:
            return f"{int(time.time())}.{next(self._ts):06d}"

    def named(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method and call.answered == 200]

    def posts(self, thread_ts: str | None = None) -> list[Call]:
        """``chat.postMessage`` calls, those into ``thread_ts`` when given."""
        return [
            call
            for call in self.named("chat.postMessage")
            if thread_ts is None or call.args.get("thread_ts") == thread_ts
        ]

    def wait_for(self, found: Callable[[], list[Call]], count: int = 1) -> list[Call]:
        """What ``found`` returns once it holds ``count`` calls; fails after ``WAIT_S``."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            calls = found()
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"expected {count} calls within {WAIT_S} s, got {found()}")

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM_A}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": self.next_ts()}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "files.info":
            info = self.files.get(str(args.get("file")))
            return {"ok": True, "file": info} if info else {"ok": False, "error": "file_not_found"}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False}
        if method == "oauth.v2.access" and self.installation_enterprise is not None:
            return {
                "ok": True,
                "app_id": "A1",
                "access_token": "xoxb-installed-" + self.installation_enterprise,
                "token_type": "bot",
                "scope": "chat:write,commands",
                "bot_user_id": BOT_USER,
                "team": None,
                "enterprise": {"id": self.installation_enterprise, "name": "Org"},
                "is_enterprise_install": True,
                "authed_user": {"id": "UINSTALLER"},
            }
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A1",
                "access_token": "xoxb-installed-" + self.installation_team,
                "token_type": "bot",
                "scope": "chat:write,commands",
                "bot_user_id": BOT_USER,
                "team": {"id": self.installation_team, "name": "Team"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALLER"},
            }
        return {"ok": False, "error": "unknown_method"}


def serve_fake_slack() -> tuple[FakeSlack, ThreadingHTTPServer]:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                args = json.loads(raw or "{}")
            else:
                args = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            self._api(args)

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path.startswith("/files/"):
                name = path.removeprefix("/files/")
                if self._rate_limited(f"GET /files/{name}", {}):
                    return
                self._record(f"GET /files/{name}", {}, 200)
                authorised = self.headers.get("Authorization", "").startswith("Bearer xoxb-")
                if not authorised or name not in fake.downloads:
                    self._send(404, b"not found", "text/plain")
                    return
                self._send(200, fake.downloads[name], "application/octet-stream")
                return
            self._api({k: v[0] for k, v in urllib.parse.parse_qs(query).items()})

        def _api(self, args: dict[str, Any]) -> None:
            method = self.path.partition("?")[0].removeprefix("/api/")
            if self._rate_limited(method, args):
                return
            if method in fake.stalled:
                self._record(method, args, 0)
                fake.unstall.wait(WAIT_S)
                return  # no answer: the connection just closes
            self._record(method, args, 200)
            self._send(200, json.dumps(fake.answer(method, args)).encode(), "application/json")

        def _rate_limited(self, method: str, args: dict[str, Any]) -> bool:
            """Answer 429 with ``Retry-After`` while ``fake.limited`` says so."""
            with fake._lock:
                limited = fake.limited.get(method, 0)
                if limited:
                    fake.limited[method] = limited - 1
            if not limited:
                return False
            self._record(method, args, 429)
            self.send_response(429)
            self.send_header("Retry-After", str(fake.retry_after_s))
            self.send_header("Content-Type", "application/json")
            body = b'{"ok": false, "error": "ratelimited"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return True

        def _record(self, method: str, args: dict[str, Any], status: int) -> None:
            call = Call(method, args, dict(self.headers.items()), status)
            with fake._lock:
                fake.calls.append(call)
            for listener in fake.listeners:
                listener(call)

        def _send(self, status: int, body: bytes, media_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    class Server(ThreadingHTTPServer):
        # The default backlog of 5 drops connections when many replies are posted at once,
        # and each dropped one waits for TCP to try again (1 s, 3 s, 7 s...).
        request_queue_size = 512

    httpd = Server(("127.0.0.1", 0), Handler)
    fake.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return fake, httpd


def slack_env(database_url: str, fake: FakeSlack, **settings: str) -> dict[str, str]:
    """The service's environment with Slack on (one bot token), calling ``fake``."""
    env = server_env(
        database_url,
        rate_limit="100000",
        slack_api_url=fake.api_url,
        probe_registry="fake_probes:PROBES",
        **settings,
    )
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
    env["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
    env["SLACK_BOT_TOKEN"] = BOT_TOKEN
    return env


# -- requests from Slack to the service ------------------------------------------------------


def signed_headers(
    body: str, secret: str = SIGNING_SECRET, at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(at if at is not None else time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


_event_ids = itertools.count(1)


def event_body(
    team: str,
    event: dict[str, Any],
    event_id: str | None = None,
    enterprise: str | None = None,
    org_wide: bool = False,
) -> str:
    """An Events API body from workspace ``team``; with ``enterprise``, from a workspace of
    that Grid organisation, authorised (``org_wide``) by the organisation's install, whose
    authorization names no team, as Slack sends it."""
    authorization: dict[str, Any] = {"team_id": team, "user_id": BOT_USER, "is_bot": True}
    body: dict[str, Any] = {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{time.time_ns()}{next(_event_ids)}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [authorization],
    }
    if enterprise is not None:
        body["enterprise_id"] = enterprise
        authorization["enterprise_id"] = enterprise
        authorization["is_enterprise_install"] = org_wide
        if org_wide:
            authorization["team_id"] = None
    return json.dumps(body)


def message_event(
    text: str,
    channel: str = "C1",
    ts: str | None = None,
    thread_ts: str | None = None,
    kind: str = "app_mention",
    user: str = "U1",
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "text": text,
        "channel": channel,
        "ts": ts or f"{time.time():.6f}",
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def click_body(
    team: str, message: dict[str, Any], action: dict[str, Any], channel: str = "C1"
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": "U1", "team_id": team},
        "channel": {"id": channel},
        "message": message,
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
        "actions": [action],
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:9/unused",
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def command_body(team: str, text: str, channel: str = "C1") -> str:
    return urllib.parse.urlencode(
        {
            "command": "/unstuck",
            "text": text,
            "team_id": team,
            "channel_id": channel,
            "user_id": "U1",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1.2.3",
        }
    )


def post_signed(
    url: str,
    body: str,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    **signing: Any,
) -> httpx.Response:
    sent = {"Content-Type": content_type, **signed_headers(body, **signing), **(headers or {})}
    return httpx.post(url + "/slack/events", content=body, headers=sent, timeout=30.0)


def buttons(call: Call) -> list[dict[str, Any]]:
    """Every button of a posted message."""
    return [
        element
        for block in call.args.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def message_text(call: Call) -> str:
    """A posted message's blocks as one text, for assertions."""
    parts = []
    for block in call.args.get("blocks", []):
        if block.get("type") == "section":
            parts.append(block["text"]["text"])
        if block.get("type") == "context":
            parts += [element["text"] for element in block["elements"]]
    return "\n".join(parts)


class SocketModeFake:
    """Slack's Socket Mode end: a WebSocket server that greets a client, sends it envelopes
    and keeps the acknowledgements it sends back."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._clients: list[Any] = []
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        self._stop = self._loop.create_future()
        async with serve(self._connected, "127.0.0.1", 0) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop

    async def _connected(self, connection: Any) -> None:
        self._clients.append(connection)
        await connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        async for raw in connection:
            self.acks.append(json.loads(raw))

    def send(self, envelope: dict[str, Any]) -> None:
        """Send ``envelope`` to every connected client."""

        async def send_all() -> None:
            for connection in self._clients:
                await connection.send(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(send_all(), self._loop).result(10)

    def connected(self) -> bool:
        return bool(self._clients)

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)
