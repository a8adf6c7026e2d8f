"""The JSON API over HTTP: a whole conversation, probe reports, and the probe command."""

from __future__ import annotations

from typing import Any

import pytest
from serverharness import Server

from assistant.core.engine import GREETING
from assistant.core.events import EVENT_ADAPTER, Attached
from assistant.core.replies import REPLIES_ADAPTER
from server.storage import open_database

COMPLAINT = "my loss is stuck at 0.69"


def kinds(replies: list[dict[str, Any]]) -> list[str]:
    return [reply["kind"] for reply in replies]


def new_session(server: Server, message: str | None = COMPLAINT) -> str:
    with server.client() as client:
        created = client.post("/v1/sessions", json={"message": message})
    assert created.status_code == 201
    session_id: str = created.json()["id"]
    return session_id


def test_a_session_without_words_starts_with_the_greeting(shared_server: Server) -> None:
    with shared_server.client() as client:
        created = client.post("/v1/sessions", json={"message": None})
    assert created.status_code == 201
    assert created.json()["replies"] == [{"kind": "text", "text": GREETING, "tone": "info"}]
    assert created.json()["id"].startswith("s_")


def test_the_first_words_are_answered_and_kept_in_the_transcript(shared_server: Server) -> None:
    with shared_server.client() as client:
        created = client.post("/v1/sessions", json={"message": COMPLAINT}).json()
        view = client.get(f"/v1/sessions/{created['id']}").json()
    assert kinds(created["replies"])[-1] == "question"
    assert view["id"] == created["id"]
    assert view["transcript"] == [
        {"seq": 1, "event": {"type": "said", "text": COMPLAINT}, "replies": created["replies"]}
    ]
    assert view["pending"] == created["replies"][-1]
    assert {"id", "title", "confidence", "share"} == set(view["ranking"][0])
    confidences = [cause["confidence"] for cause in view["ranking"]]
    assert confidences == sorted(confidences, reverse=True)


def test_answers_undo_restart_and_why_work_as_in_the_terminal(shared_server: Server) -> None:
    session_id = new_session(shared_server)
    with shared_server.client() as client:
        base = f"/v1/sessions/{session_id}"
        pending = client.get(base).json()["pending"]
        value = pending["choices"][0]["value"]
        answered = client.post(f"{base}/answers", json={"question": pending["id"], "value": value})
        why = client.post(f"{base}/messages", json={"text": "why"}).json()["replies"]
        undone = client.post(f"{base}/undo").json()["replies"]
        after_undo = client.get(base).json()
        restarted = client.post(f"{base}/restart").json()["replies"]
        why_text = client.get(f"{base}/why").json()["text"]
    assert answered.status_code == 200
    assert REPLIES_ADAPTER.validate_python(answered.json()["replies"])
    assert kinds(why) == ["text"] and why[0]["text"].startswith("Where I stand:")
    assert undone[0]["text"] == "Done: I took back your last step."
    assert after_undo["pending"]["id"] == pending["id"]
    assert [entry["event"]["type"] for entry in after_undo["transcript"]] == [
        "said",
        "answered",
        "undo",
    ]
    assert restarted[:2] == [
        {"kind": "text", "text": "Starting over.", "tone": "info"},
        {"kind": "text", "text": GREETING, "tone": "info"},
    ]
    assert why_text.startswith("Where I stand:")
    assert "I know nothing about your problem yet" in why_text


def test_a_cause_card_carries_evidence_and_the_fix(shared_server: Server) -> None:
    session_id = new_session(shared_server)
    with shared_server.client() as client:
        card = client.get(f"/v1/sessions/{session_id}/causes/train.lr_too_low").json()
    assert card["id"] == "train.lr_too_low"
    assert card["fix_steps"]
    assert "loss_trend" in [e["fact"] for e in card["evidence_for"]]


def test_a_probe_report_joins_the_session_as_probed_events(shared_server: Server) -> None:
    session_id = new_session(shared_server)
    report = {
        "target": "train.py",
        "results": [
            {
                "id": "data_checks",
                "status": "warn",
                "facts": {"missing_values": "many"},
                "finding": "Many rows have missing values.",
            },
            {
                "id": "baselines",
                "status": "pass",
                "facts": {"baseline_signal": "strong"},
                "finding": "A linear baseline learns the task.",
            },
        ],
    }
    with shared_server.client() as client:
        posted = client.post(f"/v1/sessions/{session_id}/probe-reports", json=report)
        view = client.get(f"/v1/sessions/{session_id}").json()
    assert posted.status_code == 200
    probed = [entry["event"] for entry in view["transcript"][1:]]
    assert [event["type"] for event in probed] == ["probed", "probed"]
    assert [event["result"]["id"] for event in probed] == ["data_checks", "baselines"]
    assert view["transcript"][-1]["replies"] == posted.json()["replies"]


@pytest.mark.parametrize("target", ["experiment.py", None], ids=["named", "unnamed"])
def test_a_probe_request_comes_with_the_command_to_run_it(
    shared_server: Server, target: str | None
) -> None:
    session_id = new_session(shared_server, message=None)
    database = open_database(shared_server.env["UNSTUCK_DATABASE_URL"])
    attached = Attached(target=target or "", keys=["model", "loss", "optimizer", "train"])
    row = (EVENT_ADAPTER.dump_json(attached).decode(), "[]")
    assert database.commit_turn(session_id, 0, [row], [])
    with shared_server.client() as client:
        replies = client.post(
            f"/v1/sessions/{session_id}/messages", json={"text": COMPLAINT}
        ).json()["replies"]
    shown = target or "path/to/your_experiment.py"
    assert "probe" in kinds(replies)
    assert replies[-1] == {
        "kind": "text",
        "text": "These checks need your model and data, which live on your machine. Run this "
        "there and the results join this conversation:\n"
        f"unstuck probe {shown} --server https://unstuck.example --session {session_id}",
        "tone": "info",
    }


def test_health_needs_no_key(shared_server: Server) -> None:
    with shared_server.client(key=None) as client:
        health = client.get("/healthz")
    assert health.json() == {"status": "ok", "database": "sqlite"}


def test_a_session_named_with_a_target_asks_for_the_checks_there(shared_server: Server) -> None:
    with shared_server.client() as client:
        created = client.post(
            "/v1/sessions", json={"message": COMPLAINT, "target": "train.py"}
        ).json()
    session_id = created["id"]
    assert "probe" in kinds(created["replies"])
    assert created["replies"][-1]["text"].endswith(
        f"unstuck probe train.py --server https://unstuck.example --session {session_id}"
    )


def test_naming_a_target_later_joins_the_session(shared_server: Server) -> None:
    session_id = new_session(shared_server)
    with shared_server.client() as client:
        attached = client.post(
            f"/v1/sessions/{session_id}/target",
            json={"target": "src/exp.py:build", "keys": ["train"]},
        )
        view = client.get(f"/v1/sessions/{session_id}").json()
    assert attached.status_code == 200
    assert view["transcript"][-1]["event"] == {
        "type": "attached",
        "target": "src/exp.py:build",
        "keys": ["train"],
    }
    replies = attached.json()["replies"]
    if "probe" in kinds(replies):  # only data probes apply to a target with data alone
        probe = next(r for r in replies if r["kind"] == "probe")
        assert set(probe["probes"]) <= {"data_checks", "baselines"}


def test_a_target_with_unknown_keys_is_refused(shared_server: Server) -> None:
    session_id = new_session(shared_server)
    with shared_server.client() as client:
        refused = client.post(
            f"/v1/sessions/{session_id}/target", json={"target": "t.py", "keys": ["weights"]}
        )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_input"
