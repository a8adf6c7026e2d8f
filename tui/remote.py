"""The remote backend: the same conversation held by an unstuck service over HTTP.

Probes still run on this machine (the model lives here); their results are posted to the service.
"""

from __future__ import annotations

from typing import Any

import httpx

import knowledge
from assistant.core.engine import Ranked
from assistant.core.replies import REPLIES_ADAPTER, CauseCard, ProbeRequest, Question, Reply
from assistant.drive.script_reading import ScriptReading
from probes.result import ProbeReport, ProbeResult
from tui.backend import BackendError, Snapshot

API_KEY_ENV = "UNSTUCK_API_KEY"
TIMEOUT_SECONDS = 30.0
MAX_MESSAGE_CHARS = 20_000
"""The longest message the service reads (``server.schemas``): a longer script is refused here
with a message that says what to do, not with the service's validation error."""


class RemoteBackend:
    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=self.url, headers=headers, timeout=TIMEOUT_SECONDS, transport=transport
        )
        self._id: str | None = None
        self._target: str = ""

    @property
    def where(self) -> str:
        return self.url

    async def start(self) -> list[Reply]:
        body = await self._call("POST", "/v1/sessions", {"message": None})
        self._id = str(body["id"])
        return _replies(body)

    async def send(self, text: str) -> list[Reply]:
        return _replies(await self._session_call("POST", "/messages", {"text": text}))

    async def choose(self, question: str, value: str) -> list[Reply]:
        body = {"question": question, "value": value}
        return _replies(await self._session_call("POST", "/answers", body))

    async def attach(self, target: str, keys: list[str]) -> list[Reply]:
        """The service cannot ask for probes on this machine: run every one the target allows."""
        self._target = target
        request = every_probe_for(keys)
        return [request] if request.probes else []

    async def read_script(self, script: ScriptReading) -> list[Reply]:
        """The service reads a script as a paste: its evidence says "line N", not the file."""
        if len(script.source) > MAX_MESSAGE_CHARS:
            raise BackendError(
                f"{script.path} is {len(script.source):,} characters long; the server at "
                f"{self.url} reads messages of up to {MAX_MESSAGE_CHARS:,}. Paste the model, "
                "the loss and the training loop into the chat instead, or leave out --server "
                "to have the whole script read in-process."
            )
        return await self.send(script.source)

    async def report(self, result: ProbeResult) -> list[Reply]:
        report = ProbeReport(target=self._target, results=[result])
        body = report.model_dump(mode="json")
        return _replies(await self._session_call("POST", "/probe-reports", body))

    async def tell(
        self, facts: dict[str, str], source: str, evidence: dict[str, str]
    ) -> list[Reply]:
        """The service takes no stated facts from a client: it is sent the messages the facts
        were read from, and its own reader reads them against the same error catalogue."""
        messages = list(dict.fromkeys(evidence[fact] for fact in facts if fact in evidence))
        if not messages:
            return []
        return await self.send("\n".join(messages))

    async def undo(self) -> list[Reply]:
        return _replies(await self._session_call("POST", "/undo", None))

    async def restart(self) -> list[Reply]:
        return _replies(await self._session_call("POST", "/restart", None))

    async def why(self) -> str:
        return str((await self._session_call("GET", "/why", None))["text"])

    async def snapshot(self) -> Snapshot:
        body = await self._session_call("GET", "", None)
        ranking = [Ranked(**item) for item in body.get("ranking", [])]
        pending = body.get("pending")
        return Snapshot(
            ranking=ranking,
            pending=Question.model_validate(pending) if pending else None,
        )

    async def card(self, cause_id: str) -> CauseCard:
        body = await self._session_call("GET", f"/causes/{cause_id}", None)
        return CauseCard.model_validate(body)

    async def close(self) -> None:
        await self._client.aclose()

    async def _session_call(self, method: str, suffix: str, body: Any) -> dict[str, Any]:
        if self._id is None:
            await self.start()
        return await self._call(method, f"/v1/sessions/{self._id}{suffix}", body)

    async def _call(self, method: str, path: str, body: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method, path, json=body if method == "POST" else None
            )
        except httpx.HTTPError as error:
            raise BackendError(
                f"Could not reach the unstuck server at {self.url} "
                f"({type(error).__name__}: {str(error) or 'no answer'}). Check the address and "
                "that the server is running, or leave out --server to work in-process."
            ) from error
        if response.status_code in (401, 403):
            raise BackendError(
                f"The server at {self.url} refused the request (HTTP {response.status_code}). "
                f"Set {API_KEY_ENV} or pass --api-key with a valid key."
            )
        if response.status_code >= 400:
            raise BackendError(
                f"The server at {self.url} answered HTTP {response.status_code} to "
                f"{method} {path}: {_detail(response)}."
            )
        try:
            payload: dict[str, Any] = response.json()
        except ValueError as error:
            raise BackendError(
                f"The server at {self.url} sent something that is not JSON for {method} {path}."
            ) from error
        return payload


def every_probe_for(keys: list[str]) -> ProbeRequest:
    """Every probe of the bundled knowledge base that ``keys`` allow, quickest first."""
    allowed = sorted(
        (p for p in knowledge.bundled().probes.values() if set(p.needs) <= set(keys)),
        key=lambda p: (p.cost, p.id),
    )
    return ProbeRequest(
        probes=[p.id for p in allowed],
        titles=[p.title for p in allowed],
        why="The server cannot start checks on this machine, so I run each one your "
        "target allows and send it the results.",
    )


def _replies(body: dict[str, Any]) -> list[Reply]:
    return REPLIES_ADAPTER.validate_python(body.get("replies", []))


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    return str(detail).strip() or "no detail given"
