"""The versioned JSON API: one router for sessions, one for jobs, one for health."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import APIRouter, Body, Depends, Form, Path, Response, UploadFile
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from assistant.core.replies import CauseCard
from probes.result import ProbeReport, ProbeResult
from server import jobs
from server.auth import Key, RuntimeDep
from server.errors import JobNotFound
from server.openapi import errors
from server.runtime import Runtime
from server.schemas import (
    TYPICAL_KEYS,
    AnswerBody,
    Created,
    Health,
    JobAccepted,
    JobView,
    Message,
    NewSession,
    Replies,
    SessionView,
    TargetBody,
    WhyText,
)
from server.sessions import TurnReplies
from server.settings import Settings, get_settings
from server.storage import SessionRecord
from server.tables import check_label, read_table, table_format

P = ParamSpec("P")
T = TypeVar("T")


async def _call(runtime: Runtime, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a session operation: on the event loop when the store is local (SQLite answers in
    microseconds, and the hop to a worker thread cost more than the dialogue turn itself), in
    the thread pool when each query waits on the network (PostgreSQL)."""
    if runtime.inline_store:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


def _json(text: str, status: int = 200) -> Response:
    return Response(content=text, status_code=status, media_type="application/json")


def _replies(turned: TurnReplies) -> Response:
    """``Replies``, from the JSON the turn stored: the replies are serialised once."""
    return _json(f'{{"replies":{turned.json}}}')


SessionId = Annotated[str, Path(max_length=100, description="A session id from POST /v1/sessions.")]


async def owned_session(key: Key, runtime: RuntimeDep, session_id: SessionId) -> SessionRecord:
    """The session, checked before the body: an unknown session is a 404 whatever was sent."""
    return await _call(runtime, runtime.sessions.owned, key, session_id)


OwnedSession = Annotated[SessionRecord, Depends(owned_session)]


class ReportBody(ProbeReport):
    """A ``probes.result.ProbeReport`` with at least one result."""

    results: list[ProbeResult] = Field(min_length=1)


SettingsDep = Annotated[Settings, Depends(get_settings)]

sessions = APIRouter(prefix="/v1/sessions", tags=["sessions"])
job_router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
health = APIRouter(tags=["health"])


@sessions.post("", status_code=201, response_model=Created, responses=errors())
async def create_session(
    key: Key, runtime: RuntimeDep, body: Annotated[NewSession | None, Body()] = None
) -> Response:
    """Start a conversation, optionally with the user's first words."""
    if body is None:
        session_id, turned = await _call(runtime, runtime.sessions.create, key, None)
    else:
        session_id, turned = await _call(
            runtime,
            runtime.sessions.create,
            key,
            body.message,
            body.target,
            TYPICAL_KEYS if body.target else [],
        )
    return _json(f'{{"id":{json.dumps(session_id)},"replies":{turned.json}}}', 201)


@sessions.post("/{session_id}/target", response_model=Replies, responses=errors(404, 409))
async def attach_target(
    key: Key, runtime: RuntimeDep, session_id: SessionId, body: TargetBody
) -> Response:
    """Name the training file on the user's machine: the assistant then asks for the checks it
    can run there, with the exact ``unstuck probe`` command, and their results join the session."""
    turned = await _call(
        runtime, runtime.sessions.attach, key, session_id, body.target, list(body.keys)
    )
    return _replies(turned)


@sessions.post("/{session_id}/messages", response_model=Replies, responses=errors(404, 409))
async def send_message(
    key: Key, runtime: RuntimeDep, session_id: SessionId, body: Message
) -> Response:
    """What the user typed; commands ("why", "undo", "skip", "done") work as in the terminal."""
    return _replies(await _call(runtime, runtime.sessions.send, key, session_id, body.text))


@sessions.post("/{session_id}/answers", response_model=Replies, responses=errors(404, 409))
async def answer(
    key: Key, runtime: RuntimeDep, session_id: SessionId, body: AnswerBody
) -> Response:
    """A choice for a question the assistant asked (``unknown`` when the user does not know)."""
    turned = await _call(
        runtime, runtime.sessions.answer, key, session_id, body.question, body.value
    )
    return _replies(turned)


@sessions.post("/{session_id}/undo", response_model=Replies, responses=errors(404, 409))
async def undo(key: Key, runtime: RuntimeDep, session_id: SessionId) -> Response:
    """Take back the user's last step."""
    return _replies(await _call(runtime, runtime.sessions.undo, key, session_id))


@sessions.post("/{session_id}/restart", response_model=Replies, responses=errors(404, 409))
async def restart(key: Key, runtime: RuntimeDep, session_id: SessionId) -> Response:
    """Forget the conversation so far (a connected target stays)."""
    return _replies(await _call(runtime, runtime.sessions.restart, key, session_id))


@sessions.get("/{session_id}", responses=errors(404))
async def read_session(key: Key, runtime: RuntimeDep, session_id: SessionId) -> SessionView:
    """The transcript, the ranking of causes and the question waiting for an answer."""
    return await _call(runtime, runtime.sessions.view, key, session_id)


@sessions.get("/{session_id}/why", responses=errors(404))
async def why(key: Key, runtime: RuntimeDep, session_id: SessionId) -> WhyText:
    """Why the assistant ranks the causes as it does, and why it asks what it asks."""
    return WhyText(text=await _call(runtime, runtime.sessions.why, key, session_id))


@sessions.get("/{session_id}/causes/{cause_id}", responses=errors(404))
async def cause(
    key: Key,
    runtime: RuntimeDep,
    session_id: SessionId,
    cause_id: Annotated[str, Path(max_length=100)],
) -> CauseCard:
    """One cause with its evidence for and against, explanation and fix."""
    return await _call(runtime, runtime.sessions.card, key, session_id, cause_id)


@sessions.post("/{session_id}/probe-reports", response_model=Replies, responses=errors(404, 409))
async def probe_report(
    key: Key, runtime: RuntimeDep, session: OwnedSession, report: ReportBody
) -> Response:
    """Results of ``unstuck probe TARGET --server URL --session ID`` run on the user's machine."""
    return _replies(await _call(runtime, runtime.sessions.report, key, session.id, report))


@sessions.post("/{session_id}/tables", status_code=202, responses=errors(404, 415))
async def upload_table(
    key: Key,
    runtime: RuntimeDep,
    settings: SettingsDep,
    session: OwnedSession,
    file: Annotated[UploadFile, Form(description="The table: CSV (with a header row) or Parquet.")],
    label: Annotated[
        str, Form(min_length=1, max_length=200, description="The name of the label column.")
    ],
) -> JobAccepted:
    """Check a table on the server: the data probes run as a job, their results join the session."""
    data = await file.read()
    filename = file.filename or "table"
    fmt = table_format(filename, data)
    frame = await run_in_threadpool(read_table, filename, data, fmt, settings.max_table_cells)
    check_label(filename, frame, label)
    job = jobs.new_job(session.id, key.id, filename, fmt, label)
    await jobs.enqueue(runtime.db, runtime.jobs, job, data)
    return JobAccepted(job=job.id)


@job_router.get("/{job_id}", responses=errors(404))
def read_job(
    key: Key, runtime: RuntimeDep, job_id: Annotated[str, Path(max_length=100)]
) -> JobView:
    """How a table job is doing: queued, running, done or failed, with each probe's finding."""
    job = runtime.db.job(job_id)
    if job is None or job.key_id != key.id:
        raise JobNotFound(
            f"There is no job '{job_id}' for this API key. Jobs come from POST "
            "/v1/sessions/{id}/tables."
        )
    return jobs.view(job)


@health.get("/healthz", responses={503: errors()[503]})
def healthz(runtime: RuntimeDep) -> Health:
    """The service is up and its session store answers."""
    runtime.db.ping()
    return Health(status="ok", database=runtime.db.dialect)
