"""Table checks started from Slack go where the HTTP API's uploads go: with
``UNSTUCK_REDIS_URL`` set, onto the arq queue, and the worker that runs them posts the results
(or why the check failed) in the thread."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import Services
from serverharness import REPO, Server, free_port
from slackharness import BOT_TOKEN, FakeSlack, message_text, slack_env
from test_slack_checks import csv_bytes, nth_post, share, start_thread

#: The worker's wall-clock limit per job: enough for the stand-in probes, short for "hang".
JOB_WALL_S = 8
StartWorker = Callable[[], None]


@pytest.fixture
def queued_server(tmp_path: Path, fresh_fake: FakeSlack, services: Services) -> Iterator[Server]:
    """A Slack server whose table jobs go onto a Redis queue of their own (no worker yet)."""
    queue = f"{services.redis_url.rsplit('/', 1)[0]}/{int(time.time()) % 15 + 1}"
    env = slack_env(
        f"sqlite:///{tmp_path / 'sessions.sqlite3'}",
        fresh_fake,
        redis_url=queue,
        job_wall_s=str(JOB_WALL_S),
    )
    server = Server(env, tmp_path / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(queued_server: Server, tmp_path: Path) -> Iterator[StartWorker]:
    workers: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        with (tmp_path / "worker.log").open("ab") as log:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "arq", "server.worker.WorkerSettings"],
                    cwd=REPO,
                    env=queued_server.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    yield start
    for worker in workers:
        worker.terminate()
        worker.wait(timeout=20)


def job_statuses(server: Server) -> list[str]:
    path = server.env["UNSTUCK_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT status FROM jobs ORDER BY created")]


def test_a_table_shared_in_slack_goes_through_the_queue_and_the_worker_posts_the_results(
    queued_server: Server, fresh_fake: FakeSlack, start_worker: StartWorker
) -> None:
    thread_ts = start_thread(queued_server, fresh_fake)
    share(fresh_fake, queued_server, thread_ts, "data.csv", csv_bytes())
    assert message_text(nth_post(fresh_fake, thread_ts, 2)).startswith("Checking 'data.csv'")
    time.sleep(1.5)
    # Nothing in the server runs it: the job waits on the queue.
    assert job_statuses(queued_server) == ["queued"]
    assert len(fresh_fake.posts(thread_ts)) == 2

    start_worker()
    joined = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(joined).startswith("New results joined this conversation.")
    assert joined.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert job_statuses(queued_server) == ["done"]


def test_a_check_that_fails_in_the_worker_says_why_in_the_thread(
    queued_server: Server, fresh_fake: FakeSlack, start_worker: StartWorker
) -> None:
    start_worker()
    thread_ts = start_thread(queued_server, fresh_fake)
    hanging = pd.DataFrame({"x": range(20), "hang": 1, "label": [v % 2 for v in range(20)]})
    buffer = io.StringIO()
    hanging.to_csv(buffer, index=False)
    share(fresh_fake, queued_server, thread_ts, "slow.csv", buffer.getvalue().encode())
    assert message_text(nth_post(fresh_fake, thread_ts, 2)).startswith("Checking 'slow.csv'")
    deadline = time.monotonic() + JOB_WALL_S + 60  # the worker's start, the limit, the kill
    while len(fresh_fake.posts(thread_ts)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    told = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(told) == (
        f"The job's process was stopped: it went over its limits (time {JOB_WALL_S} s, CPU "
        "300 s, memory 4096 MB) or crashed. Send a smaller table, or ask the operator to raise "
        "UNSTUCK_JOB_* limits."
    )
    assert job_statuses(queued_server) == ["failed"]


def test_a_queue_that_is_down_is_told_in_the_thread(tmp_path: Path, fresh_fake: FakeSlack) -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    env = slack_env(f"sqlite:///{tmp_path / 's.sqlite3'}", fresh_fake, redis_url=closed)
    server = Server(env, tmp_path / "server.log").start()
    try:
        thread_ts = start_thread(server, fresh_fake)
        share(fresh_fake, server, thread_ts, "data.csv", csv_bytes())
        deadline = time.monotonic() + 60  # arq tries to connect a few times first
        while len(fresh_fake.posts(thread_ts)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        told = message_text(nth_post(fresh_fake, thread_ts, 3))
        assert told.startswith("The job queue is unavailable (")
        assert told.endswith("). Try again later.")
        assert job_statuses(server) == ["failed"]
    finally:
        server.stop()
