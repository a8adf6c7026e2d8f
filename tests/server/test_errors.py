"""Every kind of bad input gets ``{"error": {"code", "message"}}`` and the right 4xx status."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
from conftest import MakeServer
from serverharness import KEY_B, Server

COMPLAINT = "my loss is stuck at 0.69"


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error"}
    return response.status_code, body["error"]["code"], body["error"]["message"]


@pytest.fixture(scope="module")
def session_id(shared_server: Server) -> str:
    with shared_server.client() as client:
        return str(client.post("/v1/sessions", json={"message": COMPLAINT}).json()["id"])


def events_in(server: Server, session_id: str) -> int:
    with server.client() as client:
        return len(client.get(f"/v1/sessions/{session_id}").json()["transcript"])


def test_malformed_json(shared_server: Server, session_id: str) -> None:
    with shared_server.client() as client:
        response = client.post(
            f"/v1/sessions/{session_id}/messages",
            content=b'{"text": ',
            headers={"Content-Type": "application/json"},
        )
    assert error_of(response) == (
        400,
        "malformed_json",
        "The request body is not valid JSON (Expecting value). Send a JSON object with "
        "Content-Type: application/json.",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": 5}, "body.text: Input should be a valid string (got 5)"),
        ({}, "body.text: Field required"),
        ({"text": "hi", "extra": 1}, "body.extra: Extra inputs are not permitted (got 1)"),
    ],
    ids=["wrong-type", "missing-field", "unknown-field"],
)
def test_a_body_that_does_not_match_the_schema(
    shared_server: Server, session_id: str, body: dict[str, object], message: str
) -> None:
    before = events_in(shared_server, session_id)
    with shared_server.client() as client:
        response = client.post(f"/v1/sessions/{session_id}/messages", json=body)
    assert error_of(response) == (
        422,
        "invalid_input",
        f"The request does not match the API: {message}.",
    )
    assert events_in(shared_server, session_id) == before


@pytest.mark.parametrize(
    "path",
    ["/v1/sessions/s_nope", "/v1/sessions/s_nope/why", "/v1/sessions/s_nope/events"],
)
def test_an_unknown_session(shared_server: Server, path: str) -> None:
    with shared_server.client() as client:
        response = client.get(path)
    assert error_of(response) == (
        404,
        "session_not_found",
        "There is no session 's_nope' for this API key. Start one with POST /v1/sessions.",
    )


def test_an_unknown_cause(shared_server: Server, session_id: str) -> None:
    with shared_server.client() as client:
        response = client.get(f"/v1/sessions/{session_id}/causes/model.nope")
    assert error_of(response) == (
        404,
        "cause_not_found",
        "There is no cause 'model.nope'. Cause ids look like 'model.output_activation'; "
        f"GET /v1/sessions/{session_id} lists them in its ranking.",
    )


def test_an_unknown_job_and_route(shared_server: Server) -> None:
    with shared_server.client() as client:
        job = client.get("/v1/jobs/j_nope")
        route = client.get("/v1/nothing-here")
        method = client.delete("/v1/sessions")
    assert error_of(job)[:2] == (404, "job_not_found")
    assert error_of(route) == (
        404,
        "not_found",
        "There is no route GET /v1/nothing-here. See /docs.",
    )
    assert error_of(method)[:2] == (405, "method_not_allowed")


@pytest.mark.parametrize(
    ("key", "code", "message"),
    [
        (
            None,
            "missing_api_key",
            "This route needs an API key: send the header 'Authorization: Bearer <key>'.",
        ),
        (
            "not-a-key",
            "invalid_api_key",
            "The API key is not one this service knows. Check it for typos, or ask the "
            "operator for a key.",
        ),
    ],
    ids=["missing", "wrong"],
)
def test_a_missing_or_wrong_key(
    shared_server: Server, key: str | None, code: str, message: str
) -> None:
    with shared_server.client(key=key) as client:
        response = client.post("/v1/sessions", json={"message": None})
    assert error_of(response) == (401, code, message)


def test_a_probe_report_that_does_not_validate(shared_server: Server, session_id: str) -> None:
    before = events_in(shared_server, session_id)
    schema_bad = {"target": "t.py", "results": [{"id": "data_checks", "status": "great"}]}
    unknown = {
        "target": "t.py",
        "results": [
            {"id": "data_checks", "status": "pass", "facts": {"nope": "x"}, "finding": "."},
            {"id": "mystery", "status": "pass", "finding": "."},
            {"id": "baselines", "status": "pass", "facts": {"label_noise": "x"}, "finding": "."},
        ],
    }
    with shared_server.client() as client:
        url = f"/v1/sessions/{session_id}/probe-reports"
        schema_response = client.post(url, json=schema_bad)
        unknown_response = client.post(url, json=unknown)
        empty_response = client.post(url, json={"target": "t.py", "results": []})
    status, code, message = error_of(schema_response)
    assert (status, code) == (422, "invalid_probe_report")
    assert message.startswith("The probe report does not validate: body.results.0.status: ")
    assert error_of(empty_response) == (
        422,
        "invalid_probe_report",
        "The probe report does not validate: body.results: List should have at least 1 item "
        "after validation, not 0.",
    )
    assert error_of(unknown_response)[:2] == (422, "invalid_probe_report")
    assert error_of(unknown_response)[2] == (
        "The probe report does not fit this service: results[0].facts: unknown fact 'nope'; "
        "results[1].id: unknown probe 'mystery' (one of: output_check, loss_target_check, "
        "init_loss, activations, batch_independence, regularisation, gradients, "
        "overfit_one_batch, lr_range, train_step_check, short_fit, shuffled_labels_fit, "
        "data_checks, baselines, watch, curve); "
        "results[2].facts.label_noise: 'x' is not one of its values (low, high)"
    )
    assert events_in(shared_server, session_id) == before


def upload(
    server: Server, session_id: str, name: str, data: bytes, label: str = "y"
) -> httpx.Response:
    with server.client() as client:
        return client.post(
            f"/v1/sessions/{session_id}/tables",
            files={"file": (name, data)},
            data={"label": label},
        )


def test_a_csv_without_the_label_column_lists_the_columns(
    shared_server: Server, session_id: str
) -> None:
    response = upload(shared_server, session_id, "t.csv", b"a,b,target\n1,2,0\n3,4,1\n")
    assert error_of(response) == (
        422,
        "bad_table",
        "The table 't.csv' has no column 'y'. Its columns are: a, b, target. Send the name "
        "of the label column as 'label'.",
    )


def test_a_csv_that_does_not_parse(shared_server: Server, session_id: str) -> None:
    response = upload(shared_server, session_id, "t.csv", b"a,y\n1,2\n3,4,5,6\n")
    assert error_of(response) == (
        422,
        "bad_table",
        "The file 't.csv' is not a CSV table that can be read: Error tokenizing data. C error: "
        "Expected 2 fields in line 3, saw 4. Send a comma-separated UTF-8 file with a header "
        "row.",
    )


def test_a_parquet_file_that_is_not_one(shared_server: Server, session_id: str) -> None:
    response = upload(shared_server, session_id, "t.parquet", b"a,y\n1,2\n")
    assert error_of(response) == (
        422,
        "bad_table",
        "The file 't.parquet' is not a Parquet file: it does not start and end with 'PAR1'. "
        "Send a real Parquet file, or a .csv.",
    )


def test_a_file_that_is_neither_csv_nor_parquet(shared_server: Server, session_id: str) -> None:
    response = upload(shared_server, session_id, "t.xlsx", b"PK\x03\x04")
    assert error_of(response) == (
        415,
        "unsupported_table",
        "The file 't.xlsx' is neither CSV nor Parquet (by its name). Send a .csv or .parquet file.",
    )


def test_a_parquet_file_over_the_cell_limit_is_refused_before_decoding(
    make_server: MakeServer,
) -> None:
    server = make_server(max_table_cells="100")
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={}).json()["id"]
    buffer = io.BytesIO()
    pd.DataFrame({"x": range(60), "y": range(60)}).to_parquet(buffer)
    response = upload(server, session_id, "big.parquet", buffer.getvalue())
    assert error_of(response) == (
        422,
        "bad_table",
        "The table 'big.parquet' has 60 rows x 2 columns = 120 cells; the limit is 100. Send "
        "a sample of the rows.",
    )


def test_bodies_and_uploads_over_their_limits(make_server: MakeServer) -> None:
    server = make_server(max_body_bytes="2000", max_upload_bytes="5000")
    with server.client() as client:
        session_id = client.post("/v1/sessions", json={}).json()["id"]
        body = client.post(f"/v1/sessions/{session_id}/messages", json={"text": "x" * 3000})
    table = b"a,y\n" + b"1,2\n" * 2000
    assert error_of(body)[:2] == (413, "body_too_large")
    assert error_of(body)[2] == (
        "The request body has at least 3011 bytes; the limit here is 2000 bytes. Send less, "
        "or split it."
    )
    assert error_of(upload(server, session_id, "t.csv", table))[:2] == (413, "body_too_large")
    with server.client() as client:
        assert client.get(f"/v1/sessions/{session_id}").json()["transcript"] == []


def test_too_many_requests(make_server: MakeServer) -> None:
    server = make_server(rate_limit="5", rate_window_s="60")
    with server.client(key=KEY_B) as client:
        statuses = [client.get("/v1/sessions/s_nope").status_code for _ in range(5)]
        limited = client.get("/v1/sessions/s_nope")
    with server.client() as other:
        other_status = other.get("/v1/sessions/s_nope").status_code
    assert statuses == [404] * 5
    assert error_of(limited) == (
        429,
        "rate_limited",
        "This API key made 5 requests in the last 60 seconds; the limit is 5. Retry in 60 seconds.",
    )
    assert limited.headers["Retry-After"] == "60"
    assert other_status == 404


def test_a_last_event_id_that_is_not_a_number(shared_server: Server, session_id: str) -> None:
    with shared_server.client() as client:
        response = client.get(f"/v1/sessions/{session_id}/events", headers={"Last-Event-ID": "abc"})
    assert error_of(response) == (
        422,
        "invalid_input",
        "Last-Event-ID is 'abc'; expected the id (a whole number) of the last item received.",
    )
