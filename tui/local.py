"""The in-process backend: an ``assistant.core.session.Session`` in this very process."""

from __future__ import annotations

import knowledge
from assistant.core.engine import Engine
from assistant.core.replies import CauseCard, Reply
from assistant.core.session import Session
from assistant.drive.script_reading import ScriptReading, tell_script
from probes.result import ProbeResult
from tui.backend import BackendError, Snapshot


class LocalBackend:
    def __init__(self, session: Session | None = None) -> None:
        self.session = session or Session(Engine(knowledge.bundled()))

    @property
    def where(self) -> str:
        return "in-process"

    async def start(self) -> list[Reply]:
        return self.session.start()

    async def send(self, text: str) -> list[Reply]:
        return self.session.send(text)

    async def choose(self, question: str, value: str) -> list[Reply]:
        return self.session.answer(question, value)

    async def attach(self, target: str, keys: list[str]) -> list[Reply]:
        return self.session.attach(target, keys)

    async def read_script(self, script: ScriptReading) -> list[Reply]:
        return tell_script(self.session, script)

    async def report(self, result: ProbeResult) -> list[Reply]:
        return self.session.report(result)

    async def tell(
        self, facts: dict[str, str], source: str, evidence: dict[str, str]
    ) -> list[Reply]:
        return self.session.tell(facts, source=source, evidence=evidence)

    async def undo(self) -> list[Reply]:
        return self.session.undo()

    async def restart(self) -> list[Reply]:
        return self.session.restart()

    async def why(self) -> str:
        return self.session.why().text

    async def snapshot(self) -> Snapshot:
        state = self.session.state
        return Snapshot(ranking=self.session.engine.ranking(state), pending=state.pending)

    async def card(self, cause_id: str) -> CauseCard:
        engine = self.session.engine
        ranking = {r.id: r for r in engine.ranking(self.session.state)}
        if cause_id not in ranking:
            raise BackendError(f"There is no cause '{cause_id}' in the knowledge base.")
        return engine.card(self.session.state, cause_id, ranking[cause_id].confidence)

    async def close(self) -> None:
        return None
