"""Sessions as event logs in the store, turned into replies by the engine.

A turn runs under a per-session lock (in this process) and commits its events with an
optimistic sequence check (across processes): if another server process appended to the log
in the meantime, the turn is replayed on the new log and tried again. Each event is stored,
with the replies to it, in one transaction before those replies go out.

Replaying a long log costs milliseconds, so each process keeps the sessions it served in an
LRU cache, keyed by session id and valid for one sequence number: a newer number in the store
means another process moved the session on, and only the missing events are read. A turn on a
cached session does not even read the store first: the commit's sequence check finds out when
another process got there in between, and the turn is then replayed on the stored log.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.core.engine import Engine
from assistant.core.events import EVENT_ADAPTER, Event
from assistant.core.replies import REPLIES_ADAPTER, CauseCard, ProbeRequest, Reply, Text
from assistant.core.session import Session
from assistant.drive.loop import report_all
from probes.result import ProbeReport, ProbeResult
from server.errors import BadProbeReport, BusySession, CauseNotFound, SessionNotFound
from server.probe_command import ProbeCommand, command_text, probe_command
from server.schemas import RankedCause, SessionView, TranscriptEntry
from server.storage import Database, EventRecord, KeyRecord, SessionRecord, StreamItem

MAX_ATTEMPTS = 30
LOCK_STRIPES = 256

Action = Callable[[Session], list[Reply]]


class RecordingSession(Session):
    """A ``Session`` that keeps the replies to each event it adds, for the transcript."""

    def __init__(self, engine: Engine, events: Iterable[Event] = ()) -> None:
        super().__init__(engine, events)
        self.recorded: list[list[Reply]] = []

    def add(self, event: Event) -> list[Reply]:
        replies = super().add(event)
        self.recorded.append(replies)
        return replies


@dataclass(frozen=True)
class TurnReplies:
    """A turn's replies, each also as JSON: serialised once for the log, the event stream and
    the response."""

    replies: list[Reply]
    items: list[str]
    command: ProbeCommand | None = None
    """The ``unstuck probe`` command of the last reply, when the turn asks the user to run
    one: front ends that render it themselves take it from here instead of the text."""

    @property
    def json(self) -> str:
        """The replies as a JSON array."""
        return "[" + ",".join(self.items) + "]"

    @property
    def stream_items(self) -> list[str]:
        """The replies as the event stream sends them: the command's text reply also carries
        the command as data (``probe_command``). The log keeps the plain replies, which every
        reader of ``/v1`` validates against the reply types."""
        if self.command is None:
            return self.items
        last = self.items[-1]
        return [*self.items[:-1], f'{last[:-1]},"probe_command":{self.command.model_dump_json()}}}']


def _turn_replies(replies: list[Reply], command: ProbeCommand | None = None) -> TurnReplies:
    items = [REPLIES_ADAPTER.dump_json([r]).decode()[1:-1] for r in replies]
    return TurnReplies(replies, items, command)


@dataclass
class _Cached:
    seq: int
    key_id: str
    session: RecordingSession


#: Told when results from elsewhere (a probe report, a table job) joined a session.
ResultsListener = Callable[[str, TurnReplies], None]
#: Told when a table job of a session failed: the session id and the message saying why.
JobFailureListener = Callable[[str, str], None]


class SessionService:
    def __init__(self, db: Database, engine: Engine, public_url: str, cache_size: int) -> None:
        self.db = db
        self.engine = engine
        self.public_url = public_url.rstrip("/")
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self.results_listeners: list[ResultsListener] = []
        self.job_failure_listeners: list[JobFailureListener] = []

    # -- the routes' operations ---------------------------------------------------------

    def create(
        self,
        key: KeyRecord,
        message: str | None,
        target: str | None = None,
        keys: Sequence[str] = (),
    ) -> tuple[str, TurnReplies]:
        session_id = "s_" + secrets.token_urlsafe(16)
        session = RecordingSession(self.engine)
        words = (message or "").strip()
        if target is not None:
            session.attach(target, keys)
        replies = session.send(words) if words else session.start()
        turned = self._with_probe_command(session_id, session, replies)
        rows = _event_rows(session.events, session.recorded, turned)
        self.db.create_session(session_id, key.id, rows, _stream_items(rows, turned))
        self._remember(session_id, _Cached(len(rows), key.id, session))
        return session_id, turned

    def send(self, key: KeyRecord, session_id: str, text: str) -> TurnReplies:
        return self.turn(key, session_id, lambda session: session.send(text))

    def answer(self, key: KeyRecord, session_id: str, question: str, value: str) -> TurnReplies:
        return self.turn(key, session_id, lambda session: session.answer(question, value))

    def attach(
        self, key: KeyRecord, session_id: str, target: str, keys: Sequence[str]
    ) -> TurnReplies:
        return self.turn(key, session_id, lambda session: session.attach(target, keys))

    def undo(self, key: KeyRecord, session_id: str) -> TurnReplies:
        return self.turn(key, session_id, lambda session: session.undo())

    def restart(self, key: KeyRecord, session_id: str) -> TurnReplies:
        return self.turn(key, session_id, lambda session: session.restart())

    def report(self, key: KeyRecord, session_id: str, report: ProbeReport) -> TurnReplies:
        problems = self.report_problems(report.results)
        if problems:
            raise BadProbeReport("The probe report does not fit this service: " + problems)
        turned = self.turn(key, session_id, lambda session: report_all(session, report.results))
        self._results_joined(session_id, turned)
        return turned

    def join_results(self, session_id: str, results: Sequence[ProbeResult]) -> TurnReplies:
        """Results of a job run on the server join the session (no key: the job owns it)."""
        turned = self._turn(None, session_id, lambda session: report_all(session, results))
        self._results_joined(session_id, turned)
        return turned

    def _results_joined(self, session_id: str, turned: TurnReplies) -> None:
        for listener in self.results_listeners:
            listener(session_id, turned)

    def job_failed(self, session_id: str, message: str) -> None:
        """A table job of the session failed (``server.jobs``): tell the listeners."""
        for listener in self.job_failure_listeners:
            listener(session_id, message)

    def view(self, key: KeyRecord, session_id: str) -> SessionView:
        record = self.owned(key, session_id)
        session = self._session_at(record)
        state = session.state
        return SessionView(
            id=session_id,
            transcript=[
                TranscriptEntry(
                    seq=row.seq,
                    event=json.loads(row.event),
                    replies=REPLIES_ADAPTER.validate_json(row.replies),
                )
                for row in self.db.events(session_id)
            ],
            ranking=[
                RankedCause(id=r.id, title=r.title, confidence=r.confidence, share=r.share)
                for r in self.engine.ranking(state)
            ],
            pending=state.pending,
        )

    def standing(self, key: KeyRecord, session_id: str) -> tuple[int, list[RankedCause]]:
        """How many events the log holds, and the ranking of causes, now."""
        record = self.owned(key, session_id)
        state = self._session_at(record).state
        ranking = [
            RankedCause(id=r.id, title=r.title, confidence=r.confidence, share=r.share)
            for r in self.engine.ranking(state)
        ]
        return record.seq, ranking

    def why(self, key: KeyRecord, session_id: str) -> str:
        return self._session_at(self.owned(key, session_id)).why().text

    def card(self, key: KeyRecord, session_id: str, cause_id: str) -> CauseCard:
        session = self._session_at(self.owned(key, session_id))
        ranked = {r.id: r for r in self.engine.ranking(session.state)}
        if cause_id not in ranked:
            raise CauseNotFound(
                f"There is no cause '{cause_id}'. Cause ids look like "
                f"'model.output_activation'; GET /v1/sessions/{session_id} lists them "
                "in its ranking."
            )
        return self.engine.card(session.state, cause_id, ranked[cause_id].confidence)

    def report_problems(self, results: Sequence[ProbeResult]) -> str:
        """What in the results the knowledge base does not know, or '' when all is well."""
        kb = self.engine.kb
        problems: list[str] = []
        if not results:
            problems.append("'results' is empty; a report carries at least one probe result")
        for index, result in enumerate(results):
            where = f"results[{index}]"
            if result.id not in kb.probes:
                problems.append(
                    f"{where}.id: unknown probe '{result.id}' (one of: {', '.join(kb.probes)})"
                )
            for fact, value in result.facts.items():
                if fact not in kb.facts:
                    problems.append(f"{where}.facts: unknown fact '{fact}'")
                elif value not in kb.facts[fact].values:
                    allowed = ", ".join(kb.facts[fact].values)
                    problems.append(
                        f"{where}.facts.{fact}: '{value}' is not one of its values ({allowed})"
                    )
        return "; ".join(problems)

    # -- turns --------------------------------------------------------------------------

    def turn(self, key: KeyRecord, session_id: str, action: Action) -> TurnReplies:
        return self._turn(key, session_id, action)

    def _turn(self, key: KeyRecord | None, session_id: str, action: Action) -> TurnReplies:
        with self._lock(session_id):
            for attempt in range(MAX_ATTEMPTS):
                record = self._cached_record(key, session_id) if attempt == 0 else None
                from_cache = record is not None
                if record is None:
                    record = (
                        self._record(session_id) if key is None else self.owned(key, session_id)
                    )
                turned = self._attempt(record, self._session_at(record), action)
                if turned is not None:
                    return turned
                self._forget(session_id)
                if not from_cache:
                    # Another process won this round: back off a little so turns interleave.
                    time.sleep(random.uniform(0.001, 0.01))
        raise BusySession(
            f"Session '{session_id}' kept changing under this request ({MAX_ATTEMPTS} tries). "
            "Send it again."
        )

    def _attempt(
        self, record: SessionRecord, session: RecordingSession, action: Action
    ) -> TurnReplies | None:
        before = len(session.events)
        session.recorded = []
        try:
            turned = self._with_probe_command(record.id, session, action(session))
            rows = _event_rows(session.events[before:], session.recorded, turned)
            stored = self.db.commit_turn(record.id, record.seq, rows, _stream_items(rows, turned))
        except BaseException:
            self._forget(record.id)
            raise
        if not stored:
            return None
        self._remember(record.id, _Cached(record.seq + len(rows), record.key_id, session))
        return turned

    def _with_probe_command(
        self, session_id: str, session: Session, replies: list[Reply]
    ) -> TurnReplies:
        """The server cannot reach the user's model: say how to run the probes there."""
        if not any(isinstance(reply, ProbeRequest) for reply in replies):
            return _turn_replies(replies)
        command = probe_command(self.public_url, session_id, session.state.target)
        return _turn_replies([*replies, Text(text=command_text(command))], command)

    # -- the store and the cache --------------------------------------------------------

    def _record(self, session_id: str) -> SessionRecord:
        record = self.db.session(session_id)
        if record is None:
            raise _not_found(session_id)
        return record

    def owned(self, key: KeyRecord, session_id: str) -> SessionRecord:
        """The session's record, when it belongs to this key; else ``SessionNotFound``."""
        record = self.db.session(session_id)
        if record is None or record.key_id != key.id:
            raise _not_found(session_id)
        return record

    def _cached_record(self, key: KeyRecord | None, session_id: str) -> SessionRecord | None:
        """The record as this process last stored it (it may be stale: see the module's notes),
        or None when the session is not cached or belongs to another key."""
        with self._cache_lock:
            cached = self._cache.get(session_id)
        if cached is None or (key is not None and cached.key_id != key.id):
            return None
        return SessionRecord(session_id, cached.key_id, cached.seq)

    def _session_at(self, record: SessionRecord) -> RecordingSession:
        """The session replayed up to the record's sequence number, from the cache if fresh."""
        with self._cache_lock:
            cached = self._cache.get(record.id)
        if cached is not None and cached.seq == record.seq:
            return cached.session
        if cached is not None and cached.seq < record.seq:
            rows = self.db.events(record.id, after=cached.seq)
            events = [*cached.session.events, *_events(rows)]
        else:
            events = _events(self.db.events(record.id))
        session = RecordingSession(self.engine, events)
        self._remember(record.id, _Cached(len(events), record.key_id, session))
        return session

    def _remember(self, session_id: str, cached: _Cached) -> None:
        with self._cache_lock:
            self._cache[session_id] = cached
            self._cache.move_to_end(session_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _forget(self, session_id: str) -> None:
        with self._cache_lock:
            self._cache.pop(session_id, None)

    def _lock(self, session_id: str) -> threading.Lock:
        return self._locks[hash(session_id) % LOCK_STRIPES]


def _events(rows: Iterable[EventRecord]) -> list[Event]:
    return [EVENT_ADAPTER.validate_json(row.event) for row in rows]


def _event_rows(
    events: Sequence[Event], recorded: Sequence[list[Reply]], last: TurnReplies
) -> list[tuple[str, str]]:
    """Each event with the replies to it; the turn's final replies go with its last event."""
    rows = []
    for index, event in enumerate(events):
        replies = (
            last.json
            if index == len(events) - 1
            else REPLIES_ADAPTER.dump_json(recorded[index]).decode()
        )
        rows.append((EVENT_ADAPTER.dump_json(event).decode(), replies))
    return rows


def _stream_items(rows: Sequence[tuple[str, str]], turned: TurnReplies) -> list[StreamItem]:
    """The turn's events (as ``_event_rows`` serialised them), then each reply."""
    items = [StreamItem("event", event) for event, _ in rows]
    items += [StreamItem("reply", item) for item in turned.stream_items]
    return items


def _not_found(session_id: str) -> SessionNotFound:
    return SessionNotFound(
        f"There is no session '{session_id}' for this API key. Start one with POST /v1/sessions."
    )
