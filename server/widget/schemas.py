"""The bodies of the widget's own routes (the conversation itself goes through ``/v1``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenSession(_Body):
    resume: str | None = Field(default=None, max_length=500)
    """The session token this browser held: its session is resumed when the token is still
    valid and was issued under the same key; otherwise a new session starts."""


class WidgetSession(BaseModel):
    session: str
    token: str
    """Opens this session only (``Authorization: Bearer``), until ``expires``."""
    expires: int
    probe_token: str
    """For ``unstuck probe ... --api-key``: posts probe reports to this session only."""
    public_url: str
    """Where ``unstuck probe`` reaches this service."""
    resumed: bool
    max_upload_bytes: int
    """The largest table upload accepted: the frame refuses a larger file before sending it."""


class StreamToken(BaseModel):
    token: str
    """Opens the session's event stream (``?token=``) for a few seconds."""
    expires: int


class RenderBody(_Body):
    texts: list[Annotated[str, Field(max_length=100_000)]] = Field(max_length=200)
    """Markdown from the assistant's replies."""


class Rendered(BaseModel):
    html: list[str]
    """Each text as sanitised HTML, in the same order."""


class WidgetConfig(BaseModel):
    name: str
    """The key's name, which the panel may show."""
