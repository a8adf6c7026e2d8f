"""Load on a real server at 127.0.0.1: message turns per second and latency, SQLite then PostgreSQL.

    .venv/bin/python benchmarks/server_load.py [--turns 3000] [--seconds 30] [--sessions 50]

Each of ``--sessions`` concurrent clients holds its own session and sends message turns one
after another (a complaint, then answers and commands, a fresh session every 12 turns so logs
stay the length of real dialogues). It stops after ``--turns`` turns or ``--seconds`` seconds,
whichever comes first. PostgreSQL comes from .ci/services.sh (skipped with --no-postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-key-0123456789abcdef"
SCRIPT = ["my loss is stuck at 0.69", "skip", "skip", "why", "skip", "undo", "skip", "skip"]
TURNS_PER_SESSION = 12


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSTUCK_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "UNSTUCK_DATABASE_URL": database_url,
        "UNSTUCK_SEED_KEYS": f'[{{"name": "bench", "key": "{KEY}"}}]',
        "UNSTUCK_RATE_LIMIT": "100000000",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "server.app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


async def client_loop(
    client: httpx.AsyncClient, budget: dict[str, float], latencies: list[float]
) -> None:
    while budget["turns"] > 0 and time.monotonic() < budget["until"]:
        started = time.perf_counter()
        created = await client.post("/v1/sessions", json={"message": None})
        latencies.append(time.perf_counter() - started)
        budget["turns"] -= 1
        session = created.json()["id"]
        for turn in range(TURNS_PER_SESSION - 1):
            if budget["turns"] <= 0 or time.monotonic() >= budget["until"]:
                return
            text = SCRIPT[turn % len(SCRIPT)]
            started = time.perf_counter()
            response = await client.post(f"/v1/sessions/{session}/messages", json={"text": text})
            latencies.append(time.perf_counter() - started)
            budget["turns"] -= 1
            if response.status_code != 200:
                raise SystemExit(f"turn failed: {response.status_code} {response.text}")


async def load(
    url: str, sessions: int, turns: int, seconds: float
) -> tuple[int, float, list[float]]:
    budget = {"turns": float(turns), "until": time.monotonic() + seconds}
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=sessions)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=60
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client, budget, latencies) for _ in range(sessions)))
        elapsed = time.perf_counter() - started
    return len(latencies), elapsed, latencies


def report(name: str, count: int, elapsed: float, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{name:<11} {count:>6} turns in {elapsed:6.1f} s = {count / elapsed:7.1f} turns/s   "
        f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   mean {statistics.mean(ordered) * 1000:7.1f} ms"
    )


def run(name: str, database_url: str, args: argparse.Namespace) -> None:
    port = 8700 + os.getpid() % 200
    server = start_server(database_url, port)
    try:
        url = f"http://127.0.0.1:{port}"
        asyncio.run(load(url, 4, 100, 10))  # warm-up: caches, text model, connections
        count, elapsed, latencies = asyncio.run(load(url, args.sessions, args.turns, args.seconds))
        report(name, count, elapsed, latencies)
    finally:
        server.terminate()
        server.wait(timeout=20)


def postgres_database() -> str:
    done = subprocess.run(
        [str(REPO / ".ci" / "services.sh")], capture_output=True, text=True, check=True
    )
    urls = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    base = urls["UNSTUCK_TEST_POSTGRES_URL"]
    import psycopg

    name = "unstuck_bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"{args.sessions} concurrent sessions, up to {args.turns} turns or {args.seconds:g} s")
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if not args.no_postgres:
        run("PostgreSQL", postgres_database(), args)


if __name__ == "__main__":
    main()
