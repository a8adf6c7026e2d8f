"""Slack on a real server at 127.0.0.1: how fast events are acknowledged, and how soon the reply
is in the thread, with many conversations at once.

    .venv/bin/python benchmarks/slack.py [--threads 50] [--rate 50] [--events 1000] [--seconds 30]

Each of ``--threads`` clients holds one Slack thread: it mentions the bot with a complaint from
benchmarks/stories.yaml, then goes on in the thread with answers and commands ("skip", "why",
"undo"; turns with no probe), and starts a new thread now and then. Together the clients send
``--rate`` events per second, each on its own schedule (50 threads at 50 per second: a message
per thread per second, busier than people type). A latency counts from when the event was due,
not from when it could be sent, so a server that falls behind shows it. Every event is signed as
Slack signs it and goes to ``POST /slack/events``; the Web API is the tests' fake Slack
(tests/server/slack/slackharness.py) in this process, which notes when each
``chat.postMessage`` arrives. The run stops after ``--events`` events or ``--seconds``.

Printed: the ack latency (the HTTP response to Slack, which must come within 3 s; goal p99
under 300 ms) and the reply latency (event due to reply posted; goal p95 under 1 s). The
baseline, measured in the same run with the same clients, schedule and server: one JSON API
turn (``POST /v1/sessions/{id}/messages``), which does in the request what Slack's route does
after its ack. The load generator shares the machine with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "server" / "slack"))
sys.path.insert(0, str(REPO / "tests" / "server"))

from slackharness import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_A,
    Call,
    FakeSlack,
    event_body,
    message_event,
    serve_fake_slack,
    signed_headers,
)

KEY = "bench-key-0123456789abcdef"
STORIES = Path(__file__).resolve().parent / "stories.yaml"
FOLLOW_UP = ["skip", "why", "skip", "undo", "skip", "skip"]
REPLY_TIMEOUT_S = 30.0
_stamps = itertools.count(1)


def unique_ts() -> str:
    """A message ts no other event of this run has (Slack's are unique per channel)."""
    return f"{int(time.time())}.{next(_stamps):06d}"


def complaints() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text())["stories"]
    return [" ".join(story["say"].split()) for story in stories]


def start_server(database_url: str, port: int, fake: FakeSlack) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNSTUCK_", "SLACK_"))}
    env |= {
        "PYTHONPATH": str(REPO),
        "UNSTUCK_DATABASE_URL": database_url,
        "UNSTUCK_SEED_KEYS": json.dumps([{"name": "bench", "key": KEY}]),
        "UNSTUCK_RATE_LIMIT": "10000000",
        "UNSTUCK_SLACK_API_URL": fake.api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }
    code = f"import server; server.run('127.0.0.1', {port}, 1, access_log=False)"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 120 s")


@dataclass
class Run:
    acks: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    api_turns: list[float] = field(default_factory=list)
    events: int = 0
    lost: int = 0


class Replies:
    """Wakes the client whose thread got a reply (the fake Slack calls ``arrived``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[str, asyncio.Future[float]] = {}

    def arrived(self, call: Call) -> None:
        if call.method != "chat.postMessage" or call.answered != 200:
            return
        thread_ts = str(call.args.get("thread_ts"))
        self.loop.call_soon_threadsafe(self._resolve, thread_ts, call.at)

    def _resolve(self, thread_ts: str, at: float) -> None:
        future = self.waiting.pop(thread_ts, None)
        if future is not None and not future.done():
            future.set_result(at)

    def expect(self, thread_ts: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = self.loop.create_future()
        self.waiting[thread_ts] = future
        return future


async def slack_client(
    index: int, url: str, says: list[str], replies: Replies, run: Run, stop: Stop
) -> None:
    """One thread's events, each sent when due and the next one due after the reply."""
    thread_ts = unique_ts()
    texts = ["<@UBOT> " + says[index % len(says)], *FOLLOW_UP]
    async with httpx.AsyncClient(timeout=30.0) as client:
        turn = 0
        while not stop.done():
            text = texts[turn % len(texts)]
            if turn and turn % len(texts) == 0:  # a new thread now and then, as people do
                thread_ts = unique_ts()
            first = turn % len(texts) == 0
            ts = thread_ts if first else unique_ts()
            kind = "app_mention" if first else "message"
            event = message_event(text, ts=ts, thread_ts=None if first else thread_ts, kind=kind)
            body = event_body(TEAM_A, event)
            reply = replies.expect(thread_ts)
            sent = await stop.when_due(index, turn)
            headers = {"Content-Type": "application/json", **signed_headers(body)}
            response = await client.post(url + "/slack/events", content=body, headers=headers)
            run.acks.append(time.monotonic() - sent)
            run.events += 1
            if response.status_code != 200:
                raise SystemExit(f"Slack's route answered {response.status_code}: {response.text}")
            try:
                at = await asyncio.wait_for(reply, REPLY_TIMEOUT_S)
                run.replies.append(at - sent)
            except TimeoutError:
                run.lost += 1
            turn += 1
            stop.count()


async def api_client(index: int, url: str, says: list[str], run: Run, stop: Stop) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0) as client:
        created = await client.post("/v1/sessions", json={"message": says[index % len(says)]})
        session_id = created.json()["id"]
        turn = 0
        while not stop.done():
            sent = await stop.when_due(index, turn)
            text = FOLLOW_UP[turn % len(FOLLOW_UP)]
            response = await client.post(f"/v1/sessions/{session_id}/messages", json={"text": text})
            response.raise_for_status()
            run.api_turns.append(time.monotonic() - sent)
            turn += 1
            stop.count()


@dataclass
class Stop:
    """When each client's next event is due, and when the run ends."""

    events: int
    seconds: float
    interval: float = 0.0
    """Seconds between one client's events (threads / rate); 0 sends each at once."""
    started: float = field(default_factory=time.monotonic)
    sent: int = 0

    async def when_due(self, index: int, turn: int) -> float:
        """Sleep until the client's event ``turn`` is due; the time it was due."""
        phase = (index * 0.618034) % 1.0 * self.interval
        due = self.started + phase + turn * self.interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        return due if self.interval else time.monotonic()

    def count(self) -> None:
        self.sent += 1

    def done(self) -> bool:
        return self.sent >= self.events or time.monotonic() - self.started > self.seconds


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def measure(
    url: str, threads: int, rate: float, events: int, seconds: float, fake: FakeSlack
) -> Run:
    says = complaints()
    run = Run()
    replies = Replies(asyncio.get_running_loop())
    fake.listeners.append(replies.arrived)
    # Warm-up: the first turns of a process fill caches that later turns find full.
    await asyncio.gather(*(api_client(i, url, says, Run(), Stop(threads, 10)) for i in range(5)))
    stop = Stop(events, seconds, threads / rate)
    await asyncio.gather(*(api_client(i, url, says, run, stop) for i in range(threads)))
    stop = Stop(events, seconds)
    await asyncio.gather(*(slack_client(i, url, says, replies, run, stop) for i in range(threads)))
    return run


def report(run: Run, threads: int, rate: float) -> None:
    ms = 1000.0
    ack99 = percentile(run.acks, 99) * ms
    api99 = percentile(run.api_turns, 99) * ms
    print(
        f"{threads} concurrent threads at {rate:g} events/s: {run.events} events, "
        f"{len(run.api_turns)} API turns"
    )
    print(
        f"ack      p50 {percentile(run.acks, 50) * ms:7.1f} ms  p99 {ack99:7.1f} ms  "
        f"max {max(run.acks) * ms:7.1f} ms   (goal: p99 < 300 ms)"
    )
    print(
        f"reply    p50 {percentile(run.replies, 50) * ms:7.1f} ms  "
        f"p95 {percentile(run.replies, 95) * ms:7.1f} ms  max {max(run.replies) * ms:7.1f} ms"
        f"   (goal: p95 < 1000 ms; {run.lost} replies missing after {REPLY_TIMEOUT_S:.0f} s)"
    )
    print(
        f"baseline JSON API turn p50 {percentile(run.api_turns, 50) * ms:7.1f} ms  "
        f"p99 {api99:7.1f} ms;  ack p99 / API turn p99 = {ack99 / api99:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second, in all")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    fake, httpd = serve_fake_slack()
    port = 18_000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory() as folder:
        process = start_server(f"sqlite:///{folder}/bench.sqlite3", port, fake)
        try:
            url = f"http://127.0.0.1:{port}"
            run = asyncio.run(
                measure(url, args.threads, args.rate, args.events, args.seconds, fake)
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
            httpd.shutdown()
    report(run, args.threads, args.rate)


if __name__ == "__main__":
    main()
