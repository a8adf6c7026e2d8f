"""The remote backend against a fake unstuck service (httpx.MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import knowledge
from assistant.core.engine import Engine
from assistant.core.reading.code import CodeReading
from assistant.core.replies import REPLIES_ADAPTER, Question, Text
from assistant.core.session import Session
from assistant.drive.script_reading import ScriptReading
from probes.result import ProbeResult
from tui.backend import BackendError
from tui.composer import Composer
from tui.remote import RemoteBackend, every_probe_for

URL = "http://unstuck.test"
GREETING = [Text(text="Hi from the service.")]
QUESTION = Question(
    id="ask_loss_trend", fact="loss_trend", text="How does the loss move?", choices=[]
)


class FakeService:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[str, str, Any, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        auth = request.headers.get("Authorization", "")
        self.requests.append((request.method, request.url.path, body, auth))
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "no such key"})
        path = request.url.path
        if path == "/v1/sessions":
            replies = REPLIES_ADAPTER.dump_python(GREETING, mode="json")
            return httpx.Response(201, json={"id": "s1", "replies": replies})
        if path == "/v1/sessions/s1":
            ranking = [{"id": "train.lr_too_high", "title": "LR", "confidence": 0.4, "share": 0.3}]
            pending = QUESTION.model_dump(mode="json")
            return httpx.Response(
                200, json={"id": "s1", "transcript": [], "ranking": ranking, "pending": pending}
            )
        if path == "/v1/sessions/s1/why":
            return httpx.Response(200, json={"text": "Because of the loss."})
        return httpx.Response(200, json={"replies": [{"kind": "text", "text": "ok"}]})


def backend(service: Any) -> RemoteBackend:
    return RemoteBackend(URL, api_key="k-123", transport=httpx.MockTransport(service))


async def test_a_conversation_goes_through_the_http_api() -> None:
    service = FakeService()
    remote = backend(service)
    assert await remote.start() == GREETING
    assert await remote.send("the loss is flat") == [Text(text="ok")]
    await remote.choose("ask_loss_trend", "flat")
    await remote.undo()
    assert await remote.why() == "Because of the loss."
    snapshot = await remote.snapshot()
    assert [r.id for r in snapshot.ranking] == ["train.lr_too_high"]
    assert snapshot.pending == QUESTION
    await remote.close()
    assert [(m, p, b) for m, p, b, _ in service.requests] == [
        ("POST", "/v1/sessions", {"message": None}),
        ("POST", "/v1/sessions/s1/messages", {"text": "the loss is flat"}),
        ("POST", "/v1/sessions/s1/answers", {"question": "ask_loss_trend", "value": "flat"}),
        ("POST", "/v1/sessions/s1/undo", None),
        ("GET", "/v1/sessions/s1/why", None),
        ("GET", "/v1/sessions/s1", None),
    ]
    assert {auth for *_, auth in service.requests} == {"Bearer k-123"}


async def test_probe_results_are_posted_as_a_report() -> None:
    service = FakeService()
    remote = backend(service)
    await remote.start()
    [request] = await remote.attach("train.py", ["model", "loss", "optimizer", "train"])
    assert request.probes == every_probe_for(["model", "loss", "optimizer", "train"]).probes
    assert "output_check" in request.probes and "curve" not in request.probes
    await remote.report(ProbeResult(id="output_check", status="pass", finding="fine"))
    method, path, body, _ = service.requests[-1]
    assert (method, path) == ("POST", "/v1/sessions/s1/probe-reports")
    assert body["target"] == "train.py"
    assert body["results"][0]["id"] == "output_check"


async def test_a_plain_script_is_sent_as_a_paste() -> None:
    service = FakeService()
    remote = backend(service)
    await remote.start()
    source = "model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
    script = ScriptReading(path="train.py", reading=CodeReading(), source=source)
    assert await remote.read_script(script) == [Text(text="ok")]
    assert service.requests[-1][:3] == ("POST", "/v1/sessions/s1/messages", {"text": source})


async def test_a_script_longer_than_a_message_is_refused_here() -> None:
    service = FakeService()
    remote = backend(service)
    script = ScriptReading(path="train.py", reading=CodeReading(), source="x = 1\n" * 5_000)
    with pytest.raises(BackendError) as caught:
        await remote.read_script(script)
    assert str(caught.value) == (
        f"train.py is 30,000 characters long; the server at {URL} reads messages of up to "
        "20,000. Paste the model, the loss and the training loop into the chat instead, or "
        "leave out --server to have the whole script read in-process."
    )
    assert service.requests == []


async def test_an_unreachable_server_says_so() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    with pytest.raises(BackendError) as caught:
        await backend(refuse).start()
    assert str(caught.value) == (
        f"Could not reach the unstuck server at {URL} (ConnectError: Connection refused). "
        "Check the address and that the server is running, or leave out --server to work "
        "in-process."
    )


async def test_a_refused_key_says_what_to_set() -> None:
    with pytest.raises(BackendError) as caught:
        await backend(FakeService(status=401)).start()
    assert str(caught.value) == (
        f"The server at {URL} refused the request (HTTP 401). "
        "Set UNSTUCK_API_KEY or pass --api-key with a valid key."
    )


async def test_the_app_keeps_the_message_when_the_server_is_down(make_app: Any) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    app = make_app(backend=backend(refuse))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notices = [e.text for e in app.chat.transcript.entries if e.speaker == "notice"]
        assert notices[0].startswith(f"Could not reach the unstuck server at {URL}")
        app.query_one(Composer).load_text("the loss is flat")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(Composer).text == "the loss is flat"


async def test_facts_read_from_an_error_reach_the_service_as_the_error_itself() -> None:
    service = FakeService()
    remote = backend(service)
    await remote.start()
    line = "line 16: IndexError: Target 10 is out of bounds."
    evidence = {"crash": line, "labels_in_range": line}
    await remote.tell(
        {"crash": "index_out_of_bounds", "labels_in_range": "no"}, "the error", evidence
    )
    assert service.requests[-1][:3] == ("POST", "/v1/sessions/s1/messages", {"text": line})
    # the service's own reader gets the same facts from that text
    session = Session(Engine(knowledge.bundled()))
    session.send(line)
    facts = session.engine.facts_with_rules(session.state)
    assert facts["crash"].value == "index_out_of_bounds"
    assert facts["labels_in_range"].value == "no"
