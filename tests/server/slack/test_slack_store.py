"""The Slack tables in the store: claims once, threads per workspace, pruning (SQLite here;
PostgreSQL runs the same statements in test_slack_install.py)."""

from __future__ import annotations

import time
from pathlib import Path

from server.storage import ThreadRecord, open_database


def test_claims_threads_and_pruning(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    db.create_schema()
    assert db.claim("event:Ev1") is True
    assert db.claim("event:Ev1") is False

    db.add_key("slack_T1", "slack:T1", "slack:T1", [])
    db.create_session("s_1", "slack_T1", [], [])
    assert db.add_thread(ThreadRecord("T1", "C1", "1.0", "s_1")) is True
    assert db.add_thread(ThreadRecord("T1", "C1", "1.0", "s_1")) is False
    assert db.thread("T1", "C1", "1.0") == ThreadRecord("T1", "C1", "1.0", "s_1")
    assert db.thread("T2", "C1", "1.0") is None
    assert db.thread_of_session("s_1") == ThreadRecord("T1", "C1", "1.0", "s_1")

    now = time.time()
    db.add_probe_token("digest-old", "s_1", "slack_T1", now - 1)
    db.add_probe_token("digest-new", "s_1", "slack_T1", now + 60)
    db.add_oauth_state("state-old", now - 1)
    assert db.prune_slack(claimed_before=now + 1, now=now) == 3
    assert db.claim("event:Ev1") is True
    assert db.probe_token("digest-old") is None
    assert db.probe_token("digest-new") is not None
    assert db.consume_oauth_state("state-old") is False
    db.close()
