"""Two server processes on one store, played by two services: caches that fall behind."""

from __future__ import annotations

from pathlib import Path

from server import keys
from server.runtime import build_engine
from server.sessions import SessionService
from server.storage import KeyRecord, open_database


def service(path: Path) -> tuple[SessionService, KeyRecord]:
    db = open_database(f"sqlite:///{path}")
    db.create_schema()
    keys.add_key(db, "portal", "key-0123456789abcdef0123", [])
    key = keys.find_key(db, "key-0123456789abcdef0123")
    assert key is not None
    return SessionService(db, build_engine(), "https://unstuck.example", 16), key


def test_a_turn_on_a_stale_cached_session_is_replayed_on_the_stored_log(tmp_path: Path) -> None:
    first, key = service(tmp_path / "s.sqlite3")
    second, _ = service(tmp_path / "s.sqlite3")
    session_id, _ = first.create(key, "my loss is nan")
    second.send(key, session_id, "the loss is nan from the first batch")  # first's cache is stale

    turned = first.send(key, session_id, "why")

    view = second.view(key, session_id)
    said = [entry.event.get("text") for entry in view.transcript]
    assert said == ["my loss is nan", "the loss is nan from the first batch"]
    assert [entry.seq for entry in view.transcript] == [1, 2]
    # "why" adds no event, and it explains the log as stored, both turns included
    assert [reply.text for reply in turned.replies] == [second.why(key, session_id)]  # type: ignore[union-attr]


def test_a_turn_after_another_process_moved_on_continues_from_its_events(tmp_path: Path) -> None:
    first, key = service(tmp_path / "s.sqlite3")
    second, _ = service(tmp_path / "s.sqlite3")
    session_id, _ = first.create(key, None)
    second.send(key, session_id, "the loss is stuck at 0.69")

    first.send(key, session_id, "skip")

    said = [entry.event for entry in second.view(key, session_id).transcript]
    assert [event["type"] for event in said] == ["said", "answered"]
    assert said[1]["value"] == "unknown"
