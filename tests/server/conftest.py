"""Fixtures for the server tests: servers, PostgreSQL and Redis (from .ci/services.sh)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The tests import the harness, and the servers they start import the fake probes, from here.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from serverharness import REPO, Server, server_env

from server.storage import Database, open_database

MakeServer = Callable[..., Server]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """Start servers with given settings; all are stopped at the end of the test."""
    started: list[Server] = []

    def make(database_url: str | None = None, workers: int = 1, **settings: str) -> Server:
        url = database_url or f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
        log = tmp_path / f"server-{len(started)}.log"
        server = Server(server_env(url, **settings), log, workers=workers)
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


@pytest.fixture(params=["sqlite", "postgres"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty store with its schema, once in SQLite and once in PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = open_database(url)
    store.create_schema()
    yield store
    store.close()
