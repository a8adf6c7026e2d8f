"""Table uploads: the data probes run as a job in a limited child process; results join."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import MakeServer, Services
from serverharness import KEY_B, REPO, Server, server_env

FAKE = {"probe_registry": "fake_probes:PROBES", "job_wall_s": "10"}


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose jobs run the stand-in probes of fake_probes.py."""
    folder = tmp_path_factory.mktemp("jobs")
    server = Server(server_env(f"sqlite:///{folder / 'db.sqlite3'}", **FAKE), folder / "log")
    yield server.start()
    server.stop()


def table(rows: int = 60, missing: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["y"] = (x[:, 0] > 0).astype(int)
    if missing:
        frame.loc[: rows // 2, "b"] = np.nan
    return frame


def start_job(server: Server, name: str, data: bytes) -> tuple[str, str]:
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss is flat"}).json()["id"]
        accepted = client.post(
            f"/v1/sessions/{session_id}/tables",
            files={"file": (name, data)},
            data={"label": "y"},
        )
    assert accepted.status_code == 202, accepted.text
    return session_id, accepted.json()["job"]


def wait_for(server: Server, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with server.client() as client:
        while time.monotonic() < deadline:
            job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish within {timeout} s: {job}")


def stream_of(server: Server, session_id: str) -> list[tuple[str, dict[str, Any]]]:
    with server.client() as client:
        text = client.get(f"/v1/sessions/{session_id}/events", params={"follow": "false"}).text
    items = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "id" in fields:
            items.append((fields["event"], json.loads(fields["data"])))
    return items


def test_a_csv_job_reports_progress_and_its_results_join_the_session(
    fake_server: Server,
) -> None:
    server = fake_server
    data = table(missing=True).to_csv(index=False).encode()
    session_id, job_id = start_job(server, "train.csv", data)
    job = wait_for(server, job_id)
    with server.client() as client:
        view = client.get(f"/v1/sessions/{session_id}").json()
        other = client.get(f"/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {KEY_B}"})
    assert job == {
        "id": job_id,
        "session": session_id,
        "status": "done",
        "message": "Ran data_checks, baselines on 'train.csv'; the results joined the session.",
        "file": "train.csv",
        "label": "y",
        "probes": [
            {"id": "data_checks", "status": "warn", "finding": "60 rows checked."},
            {"id": "baselines", "status": "pass", "finding": "Learnable."},
        ],
    }
    probed = [e["event"]["result"] for e in view["transcript"] if e["event"]["type"] == "probed"]
    assert [(r["id"], r["facts"]) for r in probed] == [
        ("data_checks", {"missing_values": "many"}),
        ("baselines", {"baseline_signal": "strong"}),
    ]
    items = stream_of(server, session_id)
    statuses = [data["status"] for kind, data in items if kind == "job"]
    progress = [(d["probe"], d["fraction"]) for kind, d in items if kind == "progress"]
    assert statuses == ["queued", "running", "done"]
    assert progress[0] == ("data_checks", 0.0)
    assert ("data_checks", 0.25) in progress
    assert progress[-1] == ("baselines", 1.0)
    assert other.status_code == 404


def test_a_parquet_table_works_the_same(fake_server: Server) -> None:
    server = fake_server
    buffer = io.BytesIO()
    table().to_parquet(buffer)
    _, job_id = start_job(server, "train.parquet", buffer.getvalue())
    job = wait_for(server, job_id)
    assert job["status"] == "done"
    assert job["probes"][0]["finding"] == "60 rows checked."


def test_a_job_over_its_time_limit_is_stopped(fake_server: Server) -> None:
    server = fake_server
    data = table().assign(hang=1).to_csv(index=False).encode()
    session_id, job_id = start_job(server, "t.csv", data)
    job = wait_for(server, job_id)
    assert job["status"] == "failed"
    assert job["message"] == (
        "The job's process was stopped: it went over its limits (time 10 s, CPU 300 s, memory "
        "4096 MB) or crashed. Send a smaller table, or ask the operator to raise UNSTUCK_JOB_* "
        "limits."
    )
    with server.client() as client:
        going_on = client.post(f"/v1/sessions/{session_id}/messages", json={"text": "why"})
    assert going_on.status_code == 200


def test_a_probe_over_the_memory_limit_is_an_error_result(fake_server: Server) -> None:
    data = table().assign(hog=1).to_csv(index=False).encode()
    _, job_id = start_job(fake_server, "t.csv", data)
    job = wait_for(fake_server, job_id)
    assert job["status"] == "done"
    assert job["probes"] == [
        {
            "id": "data_checks",
            "status": "error",
            "finding": "The probe data_checks failed on the uploaded table: MemoryError: ",
        },
        {"id": "baselines", "status": "pass", "finding": "Learnable."},
    ]


def test_the_real_data_probes_run_on_an_upload(make_server: MakeServer) -> None:
    server = make_server()
    _, job_id = start_job(server, "t.csv", table(rows=200).to_csv(index=False).encode())
    job = wait_for(server, job_id, timeout=240)
    assert job["status"] == "done", job["message"]
    assert [probe["id"] for probe in job["probes"]] == ["data_checks", "baselines"]
    assert all(probe["status"] != "error" for probe in job["probes"]), job["probes"]


def test_jobs_go_through_redis_to_an_arq_worker(
    make_server: MakeServer, services: Services, tmp_path: Any
) -> None:
    import subprocess
    import sys

    queue = f"{services.redis_url.rsplit('/', 1)[0]}/{int(time.time()) % 15 + 1}"
    server = make_server(redis_url=queue, **FAKE)
    with (tmp_path / "worker.log").open("wb") as worker_log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "arq", "server.worker.WorkerSettings"],
            cwd=REPO,
            env=server.env | {"UNSTUCK_REDIS_URL": queue},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
    try:
        session_id, job_id = start_job(server, "t.csv", table().to_csv(index=False).encode())
        job = wait_for(server, job_id)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert job["status"] == "done", (tmp_path / "worker.log").read_text()
    with server.client() as client:
        view = client.get(f"/v1/sessions/{session_id}").json()
    assert [e["event"]["type"] for e in view["transcript"]] == ["said", "probed", "probed"]


def test_an_upload_when_the_queue_is_down_is_refused_and_its_job_marked_failed(
    make_server: MakeServer,
) -> None:
    from serverharness import free_port

    server = make_server(redis_url=f"redis://127.0.0.1:{free_port()}/0", **FAKE)
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={"message": "loss is flat"}).json()["id"]
        refused = client.post(
            f"/v1/sessions/{session_id}/tables",
            files={"file": ("t.csv", table().to_csv(index=False).encode())},
            data={"label": "y"},
        )
    assert refused.status_code == 503
    error = refused.json()["error"]
    assert error["code"] == "queue_unavailable"
    assert error["message"].startswith("The job queue is unavailable (")
    assert error["message"].endswith("). Try again later.")
    jobs = [data for kind, data in stream_of(server, session_id) if kind == "job"]
    assert [job["status"] for job in jobs] == ["queued", "failed"]
