"""Load on a real server at 127.0.0.1: message turns per second and latency, SQLite then PostgreSQL.

    .venv/bin/python benchmarks/server_load.py [--turns 6000] [--seconds 20] [--sessions 50]
        [--rate 1000] [--workers 2] [--no-postgres]

Each of ``--sessions`` clients holds its own session and its own keep-alive connection and
sends message turns: a complaint taken from benchmarks/stories.yaml (a different one per
session), then answers and commands, and a fresh session every 12 turns so that logs stay the
length of real dialogues. Two runs per database, each stopping after ``--turns`` turns or
``--seconds`` seconds:

* paced: the clients together offer ``--rate`` turns per second, each on its own schedule. A
  turn's latency counts from when it was due, not from when it could be sent, so a server that
  falls behind shows it (no coordinated omission). This is the goal's measure: the rate is met
  and p99 stays under 50 ms.
* flat out: each client sends its next turn as soon as the last is answered, which gives the
  most turns per second the server can do (latency then is just queueing: 50 / rate).

The server is ``unstuck serve --workers N`` (default: one per CPU core). The load generator
shares the machine; its CPU per turn is printed next to the server's. PostgreSQL comes from
.ci/services.sh.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import serving  # benchmarks/serving.py: the script's own folder is on sys.path
import yaml

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-key-0123456789abcdef"
STORIES = Path(__file__).resolve().parent / "stories.yaml"
#: what follows the complaint: answers, commands, and again
FOLLOW_UP = ["skip", "skip", "why", "skip", "undo", "skip", "skip"]
TURNS_PER_SESSION = 12


def complaints() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text())["stories"]
    return [" ".join(story["say"].split()) for story in stories]


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    settings = {
        "UNSTUCK_DATABASE_URL": database_url,
        "UNSTUCK_SEED_KEYS": f'[{{"name": "bench", "key": "{KEY}"}}]',
        "UNSTUCK_RATE_LIMIT": "100000000",
        # the database runs on this machine: the setting README recommends for that case
        "UNSTUCK_TURNS_ON_LOOP": "true",
    }
    return serving.start_server(port, settings, ["--workers", str(workers)])


class Connection:
    """One keep-alive HTTP/1.1 connection: a bare client, so that the load generator's own CPU
    (it shares the machine with the server) stays small next to the server's. httpx spends
    several milliseconds of CPU per request with 50 connections open, which measured the client."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: object) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = json.dumps(payload).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise SystemExit(f"{path}: the response has no Content-Length")
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


@dataclass
class Load:
    """One run's shared budget and measurements."""

    turns_left: int
    until: float
    #: seconds between one client's turns, or 0 to send each as soon as the last is answered
    interval: float
    latencies: list[float] = field(default_factory=list)

    def more(self) -> bool:
        return self.turns_left > 0 and time.monotonic() < self.until


async def client_loop(connection: Connection, load: Load, said: str, offset: float) -> None:
    due = time.perf_counter() + offset

    async def turn(path: str, payload: object, expected: int) -> bytes:
        nonlocal due
        load.turns_left -= 1  # taken before waiting, so that the clients stop at the budget
        if load.interval:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        started = due if load.interval else time.perf_counter()
        status, body = await connection.post(path, payload)
        load.latencies.append(time.perf_counter() - started)
        due += load.interval
        if status != expected:
            raise SystemExit(f"POST {path} answered {status}: {body.decode()}")
        return body

    while load.more():
        created = await turn("/v1/sessions", {"message": None}, 201)
        session = json.loads(created)["id"]
        script = [said, *FOLLOW_UP]
        for index in range(TURNS_PER_SESSION - 1):
            if not load.more():
                return
            text = script[index % len(script)]
            await turn(f"/v1/sessions/{session}/messages", {"text": text}, 200)


async def run_load(
    port: int,
    sessions: int,
    turns: int,
    seconds: float,
    rate: float,
    on_open: Callable[[], None] = lambda: None,
) -> tuple[Load, float, float]:
    """The run's measurements, its length in seconds and the client's CPU seconds per turn.
    ``on_open`` is called once every client has its connection."""
    interval = sessions / rate if rate else 0.0
    load = Load(turns_left=turns, until=time.monotonic() + seconds, interval=interval)
    said = complaints()
    connections = [Connection("127.0.0.1", port) for _ in range(sessions)]
    cpu = time.process_time()
    started = time.perf_counter()

    async def watch() -> None:
        while any(c.writer is None for c in connections) and load.more():
            await asyncio.sleep(0.05)
        on_open()

    try:
        await asyncio.gather(
            watch(),
            *(
                # paced clients start spread over one interval, not all at once
                client_loop(c, load, said[i % len(said)], interval * i / sessions)
                for i, c in enumerate(connections)
            ),
        )
    finally:
        elapsed = time.perf_counter() - started
        for connection in connections:
            await connection.close()
    return load, elapsed, (time.process_time() - cpu) / max(1, len(load.latencies))


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children that are still running (Linux /proc)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def tcp_sockets(port: int, state: str) -> set[str]:
    """Inodes of the sockets on local ``port`` in ``state`` ("01" established, "0A" listening),
    from Linux's /proc/net/tcp and tcp6."""
    local = f":{port:04X}"
    return {
        fields[9]
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for fields in (line.split() for line in Path(table).read_text().splitlines()[1:])
        if fields[1].endswith(local) and fields[3] == state
    }


def connection_split(server_pid: int, port: int) -> list[int]:
    """How many connections to ``port`` each of the server's processes holds (Linux /proc),
    most first; a process that holds none is not listed."""
    inodes = tcp_sockets(port, "01")
    split: Counter[int] = Counter()
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    for child in children:
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                split[int(child)] += 1
    return sorted(split.values(), reverse=True)


def report(
    name: str, load: Load, elapsed: float, client_cpu: float, server_cpu: float, split: list[int]
) -> None:
    ordered = sorted(load.latencies)
    count = len(ordered)
    p50 = ordered[count // 2] * 1000
    p99 = ordered[min(count - 1, int(count * 0.99))] * 1000
    print(
        f"  {name:<22} {count:>6} turns in {elapsed:5.1f} s = {count / elapsed:6.0f} turns/s   "
        f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"CPU per turn: server {server_cpu / count * 1000:.2f} ms, "
        f"load generator {client_cpu * 1000:.2f} ms   connections per process "
        + "/".join(map(str, split))
    )


def run(name: str, database_url: str, args: argparse.Namespace) -> None:
    port = 8700 + os.getpid() % 200
    server = start_server(database_url, port, args.workers)
    print(f"{name} ({args.workers} server processes)")
    try:
        # Warm-up: every complaint's first reading, first plans and connections in every
        # server process (a fresh process answers its first few hundred turns slowly).
        warm = len(complaints())
        asyncio.run(run_load(port, warm, 2 * warm * TURNS_PER_SESSION * args.workers, 60, 0))
        for label, rate in ((f"paced at {args.rate:g}/s", args.rate), ("flat out", 0.0)):
            before = cpu_seconds(server.pid)
            split: list[int] = []

            def count_connections(split: list[int] = split) -> None:
                split.extend(connection_split(server.pid, port))

            load, elapsed, client_cpu = asyncio.run(
                run_load(
                    port, args.sessions, args.turns, args.seconds, rate, on_open=count_connections
                )
            )
            report(label, load, elapsed, client_cpu, cpu_seconds(server.pid) - before, split)
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
    parser.add_argument("--turns", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rate", type=float, default=1000.0, help="turns per second offered")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.sessions} concurrent sessions; each run stops after {args.turns} turns "
        f"or {args.seconds:g} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if not args.no_postgres:
        run("PostgreSQL", postgres_database(), args)


if __name__ == "__main__":
    main()
