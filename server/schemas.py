"""The JSON bodies of the API: what clients send and what they get back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.replies import Question, Reply


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


TargetKey = Literal["model", "train", "valid", "loss", "optimizer", "train_step"]
#: What a typical training file provides, assumed when a client names one without its keys.
TYPICAL_KEYS: list[TargetKey] = ["model", "train", "loss", "optimizer"]


class NewSession(_Body):
    message: str | None = Field(default=None, max_length=20_000)
    """The user's first words; without them the assistant greets and waits."""
    target: str | None = Field(default=None, min_length=1, max_length=500)
    """The path of the user's training file on their own machine. The server never reads it:
    it puts the path into the ``unstuck probe`` command it asks the user to run there."""


class TargetBody(_Body):
    target: str = Field(min_length=1, max_length=500)
    """The path of the user's training file on their own machine (never read by the server)."""
    keys: list[TargetKey] = Field(default_factory=lambda: list(TYPICAL_KEYS))
    """What its ``experiment()`` provides; decides which probes the assistant asks for."""


class Message(_Body):
    text: str = Field(max_length=20_000)
    """What the user typed: a description, an answer in words, or a command ("why", "undo")."""


class AnswerBody(_Body):
    question: str = Field(max_length=200)
    """The id of the question answered (``Question.id`` of a reply)."""
    value: str = Field(max_length=200)
    """One of the question's choice values, or ``unknown``."""


class Created(BaseModel):
    id: str
    replies: list[Reply]


class Replies(BaseModel):
    replies: list[Reply]


class TranscriptEntry(BaseModel):
    seq: int
    """The event's place in the session's log, from 1."""
    event: dict[str, Any]
    """The event as stored (``assistant.core.events``): said, answered, probed, undo..."""
    replies: list[Reply]
    """What the assistant answered to it."""


class RankedCause(BaseModel):
    id: str
    title: str
    confidence: float
    share: float


class SessionView(BaseModel):
    id: str
    transcript: list[TranscriptEntry]
    ranking: list[RankedCause]
    pending: Question | None


class WhyText(BaseModel):
    text: str


class JobAccepted(BaseModel):
    job: str


JobStatus = Literal["queued", "running", "done", "failed"]


class JobProbe(BaseModel):
    id: str
    status: str
    finding: str


class JobView(BaseModel):
    id: str
    session: str
    status: JobStatus
    message: str
    """What happened, in plain words; for ``failed``, why and what to do."""
    file: str
    label: str
    probes: list[JobProbe]


class Health(BaseModel):
    status: Literal["ok"]
    database: str


class ErrorDetail(BaseModel):
    code: str
    """Stable, for programs: ``session_not_found``, ``rate_limited``, ``bad_table``..."""
    message: str
    """For people: what was seen, what was expected, what to do."""


class ErrorBody(BaseModel):
    error: ErrorDetail
