"""Checks from Slack: the ``unstuck probe`` command with its token, a report that joins the
thread, a table shared in the thread, and a thread that goes on after a restart."""

from __future__ import annotations

import io
import itertools
import json
import re
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from serverharness import Server
from slackharness import (
    TEAM_A,
    Call,
    FakeSlack,
    event_body,
    message_event,
    message_text,
    post_signed,
)

from server import probe_tokens
from server.storage import open_database

REPORT = {
    "target": "train.py",
    "results": [
        {
            "id": "loss_target_check",
            "status": "fail",
            "facts": {"broadcast_mismatch": "yes"},
            "finding": "Predictions (64, 1) and targets (64,) broadcast to (64, 64).",
            "seconds": 0.2,
        }
    ],
}


def new_ts() -> str:
    return f"{time.time():.6f}"


def start_thread(server: Server, fake: FakeSlack, text: str = "<@UBOT> my loss is flat") -> str:
    ts = new_ts()
    assert (
        post_signed(server.url, event_body(TEAM_A, message_event(text, ts=ts))).status_code == 200
    )
    fake.wait_for(lambda: fake.posts(ts))
    return ts


def say(server: Server, thread_ts: str, text: str) -> None:
    event = message_event(text, ts=new_ts(), thread_ts=thread_ts, kind="message")
    assert post_signed(server.url, event_body(TEAM_A, event)).status_code == 200


def nth_post(fake: FakeSlack, thread_ts: str, n: int) -> Call:
    return fake.wait_for(lambda: fake.posts(thread_ts), n)[n - 1]


def probe_command(call: Call) -> tuple[str, str]:
    """The session id and token in the message's ``unstuck probe`` command."""
    found = re.search(r"--session (\S+) --token (usp_\S+?)```", message_text(call))
    assert found, message_text(call)
    return found.group(1), found.group(2)


def post_report(server: Server, session_id: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/sessions/{session_id}/probe-reports",
        json=REPORT,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )


def test_the_probe_command_carries_a_token_that_brings_the_report_into_the_thread(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    say(slack_server, thread_ts, "target: src/train.py")
    asked = nth_post(fresh_fake, thread_ts, 2)
    text = message_text(asked)
    assert "unstuck probe src/train.py --server https://unstuck.example --session s_" in text
    session_id, token = probe_command(asked)

    response = post_report(slack_server, session_id, token)
    assert response.status_code == 200, response.text
    joined = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(joined).startswith("New results joined this conversation.")
    assert "broadcast" in message_text(joined).lower()


def test_a_probe_token_is_stored_only_as_its_digest(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    say(slack_server, thread_ts, "train.py")
    _, token = probe_command(nth_post(fresh_fake, thread_ts, 2))
    database = Path(slack_server.env["UNSTUCK_DATABASE_URL"].removeprefix("sqlite:///"))
    assert token.encode() not in database.read_bytes()
    assert token.encode() not in Path(f"{database}-wal").read_bytes()


def test_an_expired_token_and_another_sessions_token_open_nothing(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    first = start_thread(slack_server, fresh_fake)
    say(slack_server, first, "train.py")
    session_one, token_one = probe_command(nth_post(fresh_fake, first, 2))
    second = start_thread(slack_server, fresh_fake, "<@UBOT> accuracy stuck at 50%")
    say(slack_server, second, "train.py")
    session_two, _ = probe_command(nth_post(fresh_fake, second, 2))

    response = post_report(slack_server, session_two, token_one)
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "invalid_token",
        "message": f"The probe token opens nothing here: it opens session '{session_one}' only. "
        "Each time the assistant asks for checks in Slack, its 'unstuck probe' command carries "
        "a fresh token: copy the newest.",
    }

    db = open_database(slack_server.env["UNSTUCK_DATABASE_URL"])
    expired = probe_tokens.issue(db, session_one, f"slack_{TEAM_A}", ttl_s=-1)
    db.close()
    response = post_report(slack_server, session_one, expired)
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(
        "The probe token opens nothing here: it has expired."
    )
    response = post_report(slack_server, session_one, "usp_made-up")
    assert response.json()["error"]["message"].startswith(
        "The probe token opens nothing here: it is not a probe token this service issued."
    )
    time.sleep(0.5)
    assert len(fresh_fake.posts(first)) == 2


def test_a_probe_token_opens_no_other_route(slack_server: Server, fresh_fake: FakeSlack) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    say(slack_server, thread_ts, "train.py")
    session_id, token = probe_command(nth_post(fresh_fake, thread_ts, 2))
    response = httpx.get(
        f"{slack_server.url}/v1/sessions/{session_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "token_out_of_scope"


# -- tables shared in a thread ---------------------------------------------------------------


def share(
    fake: FakeSlack, server: Server, thread_ts: str, name: str, data: bytes, **info: object
) -> str:
    file_id = "F" + str(time.time_ns())
    fake.downloads[name] = data
    fake.files[file_id] = {
        "id": file_id,
        "name": name,
        "title": name,
        "size": len(data),
        "url_private_download": fake.file_url(name),
        "shares": {"public": {"C1": [{"ts": new_ts(), "thread_ts": thread_ts}]}},
        **info,
    }
    event = {"type": "file_shared", "file_id": file_id, "user_id": "U1", "channel_id": "C1"}
    assert post_signed(server.url, event_body(TEAM_A, event)).status_code == 200
    return file_id


def csv_bytes() -> bytes:
    frame = pd.DataFrame(
        {"x1": range(40), "x2": [v % 3 for v in range(40)], "label": [v % 2 for v in range(40)]}
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_a_shared_csv_is_fetched_with_the_bot_token_and_checked_in_the_thread(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    file_id = share(fresh_fake, slack_server, thread_ts, "data.csv", csv_bytes())
    progress = nth_post(fresh_fake, thread_ts, 2)
    assert message_text(progress) == (
        "Checking 'data.csv' (40 rows x 3 columns, label 'label'): running data_checks, "
        "baselines. The results follow here."
    )
    results = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(results).startswith("New results joined this conversation.")
    (info,) = fresh_fake.named("files.info")
    assert info.args["file"] == file_id
    (download,) = fresh_fake.named("GET /files/data.csv")
    assert download.headers["Authorization"] == "Bearer xoxb-test-bot-token"


@pytest.mark.parametrize(
    ("name", "data", "info", "message"),
    [
        (
            "notes.pdf",
            b"%PDF-1.4",
            {},
            "The file 'notes.pdf' is neither CSV nor Parquet (by its name). Send a .csv or "
            ".parquet file.",
        ),
        (
            "huge.csv",
            b"a,b\n1,2\n",
            {"size": 50_000_000},
            "The file 'huge.csv' is 50000000 bytes; the limit for a table is 20971520 bytes. "
            "Share a sample of its rows.",
        ),
        (
            "fake.parquet",
            b"a,b\n1,2\n",
            {},
            "The file 'fake.parquet' is not a Parquet file: it does not start and end with "
            "'PAR1'. Send a real Parquet file, or a .csv.",
        ),
        (
            "nolabel.csv",
            b"a,b\n1,2\n3,4\n",
            {},
            "Which column of 'nolabel.csv' is the label? Its columns are: a, b. Share it again "
            "with 'label: COLUMN' in the file's title, or name the column one of: label, target, "
            "y, class, outcome.",
        ),
    ],
    ids=["not a table", "over the limit", "not really parquet", "no label column"],
)
def test_a_file_that_cannot_be_checked_gets_a_clear_message_in_the_thread(
    slack_server: Server,
    fresh_fake: FakeSlack,
    name: str,
    data: bytes,
    info: dict[str, object],
    message: str,
) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    share(fresh_fake, slack_server, thread_ts, name, data, **info)
    reply = nth_post(fresh_fake, thread_ts, 2)
    assert message_text(reply) == message
    time.sleep(0.5)
    assert len(fresh_fake.posts(thread_ts)) == 2


def test_a_file_shared_outside_unstuck_threads_is_left_alone(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    share(fresh_fake, slack_server, new_ts(), "data.csv", csv_bytes())
    fresh_fake.wait_for(lambda: fresh_fake.named("files.info"))
    time.sleep(0.5)
    assert fresh_fake.posts() == []
    assert fresh_fake.named("GET /files/data.csv") == []


# -- a restart in the middle of a thread -----------------------------------------------------


def test_after_a_restart_the_next_message_continues_the_same_session(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    complaint = "<@UBOT> my regression loss is flat and the output uses sigmoid"
    thread_ts = start_thread(slack_server, fresh_fake, complaint)
    before = json.loads(
        next(
            b for b in nth_post(fresh_fake, thread_ts, 1).args["blocks"] if b["type"] == "actions"
        )["elements"][0]["value"]
    )
    slack_server.restart()
    say(slack_server, thread_ts, "done")
    after = nth_post(fresh_fake, thread_ts, 2)
    value = json.loads(
        next(b for b in after.args["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    )
    assert value["s"] == before["s"]
    assert value["n"] > before["n"]
    assert "I believe the cause is" in message_text(after)


def test_the_command_as_shown_runs_the_checks_and_the_report_joins_the_thread(
    slack_server: Server, fresh_fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.main import main

    target = str(Path(__file__).resolve().parents[3] / "examples" / "model_sigmoid_regression.py")
    thread_ts = start_thread(slack_server, fresh_fake)
    say(slack_server, thread_ts, target)
    session_id, token = probe_command(nth_post(fresh_fake, thread_ts, 2))
    argv = ["probe", target, "--only", "init_loss", "--server", slack_server.url]
    code = main([*argv, "--session", session_id, "--token", token])
    assert capsys.readouterr().out.endswith(f"Posted 1 results to session {session_id}.\n")
    assert code == 0
    joined = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(joined).startswith("New results joined this conversation.")


# -- a download Slack rate-limits ------------------------------------------------------------


def test_a_download_answered_429_waits_for_retry_after_and_is_fetched_again(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    thread_ts = start_thread(slack_server, fresh_fake)
    fresh_fake.limited["GET /files/limited.csv"] = 1
    share(fresh_fake, slack_server, thread_ts, "limited.csv", csv_bytes())
    progress = nth_post(fresh_fake, thread_ts, 2)
    assert message_text(progress).startswith("Checking 'limited.csv' (40 rows x 3 columns")
    refused, fetched = [c for c in fresh_fake.calls if c.method == "GET /files/limited.csv"]
    assert (refused.answered, fetched.answered) == (429, 200)
    assert fetched.at - refused.at >= fresh_fake.retry_after_s
    joined = nth_post(fresh_fake, thread_ts, 3)
    assert message_text(joined).startswith("New results joined this conversation.")


def test_a_download_that_stays_rate_limited_is_given_up_and_the_thread_told(
    slack_server: Server, fresh_fake: FakeSlack
) -> None:
    from server.slack.download import DOWNLOAD_TRIES

    thread_ts = start_thread(slack_server, fresh_fake)
    fresh_fake.limited["GET /files/busy.csv"] = 1000
    share(fresh_fake, slack_server, thread_ts, "busy.csv", csv_bytes())
    told = nth_post(fresh_fake, thread_ts, 2)
    waited = fresh_fake.retry_after_s * (DOWNLOAD_TRIES - 1)
    assert message_text(told) == (
        f"Downloading 'busy.csv' from Slack failed {DOWNLOAD_TRIES} times (last: HTTP 429, "
        f"rate limited), over {waited} s of waiting. Slack is busy or limiting this app: share "
        "the file again in a few minutes."
    )
    tries = [c for c in fresh_fake.calls if c.method == "GET /files/busy.csv"]
    assert [c.answered for c in tries] == [429] * DOWNLOAD_TRIES
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(tries)]
    assert min(gaps) >= fresh_fake.retry_after_s
    fresh_fake.limited.clear()
    time.sleep(0.5)
    assert len(fresh_fake.posts(thread_ts)) == 2
