"""Real servers on 127.0.0.1 for the server tests: uvicorn in a child process, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        code = f"import server; server.run('127.0.0.1', {self.port}, {self.workers})"
        command = [sys.executable, "-c", code]
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
