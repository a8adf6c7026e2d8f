"""The Slack tables in the store: claims once (taken over only when stale and never replied),
threads per workspace, Grid workspaces, pruning; in SQLite and PostgreSQL alike."""

from __future__ import annotations

import time

import pytest

from server.storage import Claim, Database, TeamRecord, ThreadRecord


@pytest.fixture
def db(empty_store: Database) -> Database:
    return empty_store


def test_claims_threads_and_pruning(db: Database) -> None:
    assert db.claim("event:Ev1") == Claim()
    assert db.claim("event:Ev1") is None

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
    db.replied("event:Ev1")
    assert db.prune_slack(claimed_before=now + 1, now=now) == 4
    assert db.claim("event:Ev1") == Claim()
    assert db.probe_token("digest-old") is None
    assert db.probe_token("digest-new") is not None
    assert db.consume_oauth_state("state-old") is False


def test_a_stale_claim_with_no_reply_sent_is_taken_over_once_with_its_kept_reply(
    db: Database,
) -> None:
    assert db.claim("msg:T1:C1:1.0") == Claim()
    db.keep_reply("msg:T1:C1:1.0", '{"kept": true}')
    assert db.claim("msg:T1:C1:1.0", stale_before=time.time() - 60) is None  # still fresh
    taken = db.claim("msg:T1:C1:1.0", stale_before=time.time() + 1)
    assert taken == Claim(reply='{"kept": true}')
    # The takeover renewed the claim: a second retry at once finds it fresh.
    assert db.claim("msg:T1:C1:1.0", stale_before=time.time() - 60) is None


def test_a_claim_whose_reply_was_sent_is_never_taken_over(db: Database) -> None:
    assert db.claim("click:T1:C1:2.0") == Claim()
    db.keep_reply("click:T1:C1:2.0", "{}")
    db.replied("click:T1:C1:2.0")
    assert db.claim("click:T1:C1:2.0", stale_before=time.time() + 60) is None


def test_a_stale_claim_that_kept_nothing_is_taken_over_empty(db: Database) -> None:
    assert db.claim("file:T1:F1") == Claim()
    assert db.claim("file:T1:F1", stale_before=time.time() + 1) == Claim()


def test_a_workspace_keeps_its_organisation_and_the_latest_install_kind(db: Database) -> None:
    assert db.team("T1") is None
    db.save_team(TeamRecord("T1", "E1", enterprise_install=True))
    assert db.team("T1") == TeamRecord("T1", "E1", True)
    db.save_team(TeamRecord("T1", "E1", enterprise_install=False))
    assert db.team("T1") == TeamRecord("T1", "E1", False)
