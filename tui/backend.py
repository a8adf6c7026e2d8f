"""The conversation as the app sees it: a ``Backend`` that holds the session somewhere.

Two implementations: ``LocalBackend`` over an in-process ``assistant.core.session.Session`` and
``RemoteBackend`` over the unstuck HTTP service. The app never touches beliefs; it sends what the
user did and renders the typed replies it gets back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from assistant.core.engine import Ranked
from assistant.core.replies import CauseCard, Question, Reply
from assistant.drive.script_reading import ScriptReading
from probes.result import ProbeResult


class BackendError(Exception):
    """The backend could not do what was asked; the message says why and what to do."""


@dataclass(frozen=True)
class Snapshot:
    """What the side panels show: the ranked causes and the question waiting for an answer."""

    ranking: list[Ranked] = field(default_factory=list)
    pending: Question | None = None


class Backend(Protocol):
    """One conversation. Every method returns what the assistant says back."""

    @property
    def where(self) -> str:
        """Where the session lives, for the title bar: "in-process" or the server's URL."""
        ...

    async def start(self) -> list[Reply]: ...

    async def send(self, text: str) -> list[Reply]: ...

    async def choose(self, question: str, value: str) -> list[Reply]: ...

    async def attach(self, target: str, keys: list[str]) -> list[Reply]: ...

    async def read_script(self, script: ScriptReading) -> list[Reply]:
        """Tell the session what a plain training script, read without running it, says."""
        ...

    async def report(self, result: ProbeResult) -> list[Reply]: ...

    async def tell(
        self, facts: dict[str, str], source: str, evidence: dict[str, str]
    ) -> list[Reply]:
        """Facts the app established itself, such as what a watched script's error says when
        read against the error catalogue: ``source`` names where they came from (the error
        and its line) and ``evidence`` gives, for each fact, the message it was read from."""
        ...

    async def undo(self) -> list[Reply]: ...

    async def restart(self) -> list[Reply]: ...

    async def why(self) -> str: ...

    async def snapshot(self) -> Snapshot: ...

    async def card(self, cause_id: str) -> CauseCard: ...

    async def close(self) -> None: ...
