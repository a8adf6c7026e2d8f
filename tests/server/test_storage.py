"""Both stores, SQLite and PostgreSQL, behave the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.errors import StorageUnavailable
from server.storage import Database, KeyRecord, SessionRecord, StreamItem, open_database


@pytest.fixture
def database(empty_store: Database) -> Database:
    """A store (each kind) holding a key and a session."""
    db = empty_store
    db.add_key("k1", "team", "digest", [])
    db.create_session("s1", "k1", [('{"n": 1}', "[1]")], [StreamItem("event", "e1")])
    return db


def test_a_turn_commits_its_events_and_stream_items_after_those_stored(database: Database) -> None:
    database.append_stream("s1", [StreamItem("progress", "p1")])

    stored = database.commit_turn(
        "s1",
        1,
        [('{"n": 2}', "[2]"), ('{"n": 3}', "[3]")],
        [StreamItem("event", "e2"), StreamItem("event", "e3"), StreamItem("reply", "r3")],
    )

    assert stored is True
    assert database.session("s1") == SessionRecord("s1", "k1", 3)
    assert [(e.seq, e.event, e.replies) for e in database.events("s1")] == [
        (1, '{"n": 1}', "[1]"),
        (2, '{"n": 2}', "[2]"),
        (3, '{"n": 3}', "[3]"),
    ]
    assert [(i.seq, i.kind, i.data) for i in database.stream("s1", after=0)] == [
        (1, "event", "e1"),
        (2, "progress", "p1"),
        (3, "event", "e2"),
        (4, "event", "e3"),
        (5, "reply", "r3"),
    ]


def test_a_turn_on_a_log_that_moved_on_writes_nothing(database: Database) -> None:
    assert database.commit_turn("s1", 1, [('{"n": 2}', "[2]")], [StreamItem("event", "e2")])

    stale = database.commit_turn("s1", 1, [('{"n": 9}', "[9]")], [StreamItem("event", "e9")])

    assert stale is False
    assert database.session("s1") == SessionRecord("s1", "k1", 2)
    assert [e.event for e in database.events("s1")] == ['{"n": 1}', '{"n": 2}']
    assert [i.data for i in database.stream("s1", after=0)] == ["e1", "e2"]


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite:///{tmp}/s.sqlite3", "sqlite"),
        ("postgresql://u:p@db.example:5432/unstuck", "postgres"),
        ("postgres://u:p@db.example:5432/unstuck", "postgres"),
        ("postgresql+psycopg://u:p@db.example:5432/unstuck", "postgres"),
    ],
    ids=["sqlite", "postgresql", "postgres", "postgresql+psycopg"],
)
def test_the_url_picks_the_store_without_connecting(url: str, dialect: str, tmp_path: Path) -> None:
    assert open_database(url.format(tmp=tmp_path)).dialect == dialect


def test_a_url_of_another_database_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError) as raised:
        open_database("mysql://root:secret@db.example/unstuck")

    assert str(raised.value) == (
        "UNSTUCK_DATABASE_URL is 'mysql://root:***@db.example/unstuck'; expected "
        "sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/database."
    )


def test_a_store_that_cannot_be_reached_is_named_without_its_password() -> None:
    database = open_database("postgresql://u:secret@127.0.0.1:1/unstuck?connect_timeout=2")

    with pytest.raises(StorageUnavailable) as raised:
        database.ping()

    message = str(raised.value)
    assert message.startswith(
        "Cannot open the session store postgresql://u:***@127.0.0.1:1/unstuck?connect_timeout=2: "
    )
    assert message.endswith(". Check UNSTUCK_DATABASE_URL and that the database is running.")
    assert "secret" not in message


def test_a_revoked_key_is_found_with_its_time_and_loses_its_origins(database: Database) -> None:
    database.add_key("k2", "portal", "digest2", ["https://portal.example"])
    assert database.all_origins() == {"https://portal.example"}
    assert database.revoke_key("no-such-digest") is None

    first = database.revoke_key("digest2")
    again = database.revoke_key("digest2")

    assert first is not None and first.revoked is not None
    assert again == first  # revoking twice keeps the first time
    assert database.key_by_digest("digest2") == first
    assert database.key_revoked("k2") == first.revoked
    assert database.key_revoked("k1") is None
    assert database.key_by_digest("digest") == KeyRecord("k1", "team", (), None)
    assert database.all_origins() == set()
