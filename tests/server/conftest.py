"""Real servers on 127.0.0.1 for the API tests: uvicorn in a child process, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
KEY_A = "key-a-0123456789abcdef0123"
KEY_B = "key-b-0123456789abcdef0123"
ORIGIN_A = "https://portal-a.example"
ORIGIN_B = "https://portal-b.example"
SEED_KEYS = (
    f'[{{"name": "portal-a", "key": "{KEY_A}", "origins": ["{ORIGIN_A}"]}},'
    f' {{"name": "portal-b", "key": "{KEY_B}", "origins": ["{ORIGIN_B}"]}}]'
)
STARTUP_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One ``unstuck serve`` process; ``restart`` keeps its port and settings."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        command = [sys.executable, "-c", f"import server; server.run('127.0.0.1', {self.port})"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"the server exited at start-up:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"the server did not answer within {STARTUP_S} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """``kill -9``: no shutdown, no cleanup."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> Server:
        self.stop()
        return self.start()

    def client(self, key: str | None = KEY_A, **headers: str) -> httpx.Client:
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0)


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSTUCK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE)])
    env["UNSTUCK_DATABASE_URL"] = database_url
    env["UNSTUCK_SEED_KEYS"] = SEED_KEYS
    env["UNSTUCK_PUBLIC_URL"] = "https://unstuck.example"
    env["UNSTUCK_SSE_POLL_S"] = "0.05"
    for name, value in settings.items():
        env["UNSTUCK_" + name.upper()] = value
    return env


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[type[Server] | object]:
    """Start servers with given settings; all are stopped at the end of the test."""
    started: list[Server] = []

    def make(database_url: str | None = None, **settings: str) -> Server:
        url = database_url or f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
        server = Server(server_env(url, **settings), tmp_path / f"server-{len(started)}.log")
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One SQLite server for the tests of a module that do not restart it."""
    folder = tmp_path_factory.mktemp("server")
    env = server_env(f"sqlite:///{folder / 'sessions.sqlite3'}", rate_limit="100000")
    server = Server(env, folder / "server.log").start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Services:
    postgres_url: str
    redis_url: str


@pytest.fixture(scope="session")
def services() -> Services:
    """PostgreSQL and Redis from .ci/services.sh (installed and started when missing)."""
    script = REPO / ".ci" / "services.sh"
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(
            f"{script} could not start PostgreSQL and Redis (exit {done.returncode}); the "
            f"PostgreSQL and Redis tests need them:\n{done.stderr[-3000:]}"
        )
    urls = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return Services(urls["UNSTUCK_TEST_POSTGRES_URL"], urls["UNSTUCK_TEST_REDIS_URL"])


@pytest.fixture
def postgres_url(services: Services) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    import psycopg

    name = "unstuck_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(services.postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield services.postgres_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(services.postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
