"""Start `unstuck serve` on 127.0.0.1 for a benchmark, with only the settings it is given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
START_SECONDS = 60


def start_server(
    port: int, settings: Mapping[str, str], options: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """`unstuck serve --port PORT --no-access-log OPTIONS`, once /healthz answers.

    The caller's own UNSTUCK_* variables are dropped, so only ``settings`` configure it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSTUCK_")}
    env |= {"PYTHONPATH": str(REPO), **settings}
    command = [sys.executable, "-m", "assistant.main", "serve", "--port", str(port)]
    command += [*options, "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start within {START_SECONDS} s")
