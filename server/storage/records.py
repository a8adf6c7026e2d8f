"""The rows the session store hands out and takes in, as plain records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    origins: tuple[str, ...]
    revoked: float | None = None
    """Unix time at which the operator revoked the key; None while it works."""


@dataclass(frozen=True)
class SessionRecord:
    id: str
    key_id: str
    seq: int


@dataclass(frozen=True)
class EventRecord:
    seq: int
    event: str
    replies: str


@dataclass(frozen=True)
class StreamRecord:
    seq: int
    kind: str
    data: str


@dataclass(frozen=True)
class JobRecord:
    id: str
    session_id: str
    key_id: str
    status: str
    message: str
    probes: str
    filename: str
    format: str
    label: str


@dataclass(frozen=True)
class StreamItem:
    kind: str
    data: str
