"""The chat screen: sends what the user does to the backend and renders what comes back.

Probes run one at a time in thread workers; their results go back to the backend, whose replies
may ask for the next probe. Every backend call is serialised, so a probe result and a typed
message never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList

from assistant.core.errors import UsageError
from assistant.core.reading.errors import ErrorReading
from assistant.core.replies import Diagnosis, ProbeRequest, Question, Reply, Text
from assistant.drive.loop import DriveLoop, NextProbe
from assistant.drive.script_reading import ScriptReading, plain_script
from probes.errors import sentence
from probes.result import ProbeResult
from probes.spec import TargetSpecError
from tui.backend import Backend, BackendError, Snapshot
from tui.composer import Composer
from tui.export import ExportError, default_export_path, export_markdown, write_export
from tui.probing import (
    ConnectedTarget,
    ProbeProgress,
    ProbeRunner,
    TargetProblem,
    cancelled_result,
    check_target_file,
    crashed_result,
)
from tui.rendering import (
    diagnosis_markdown,
    probe_details,
    probe_headline,
    probe_request_text,
    question_text,
)
from tui.screens import CauseScreen, ConfirmScreen, ExportScreen, TargetScreen
from tui.transcript import Speaker, Transcript
from tui.widgets import (
    CausePanel,
    ChatMessage,
    ChoicePicked,
    ProbeCard,
    ProbeProgressRow,
    QuestionPanel,
    SizeNotice,
)

MIN_WIDTH = 60
MIN_HEIGHT = 18
NO_CHECKS = "The chat goes on without checks on your code."


@dataclass
class RunningProbe:
    probe_id: str
    cancel: threading.Event
    started: float


class ChatScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_probe", "Cancel check", show=False),
        Binding("ctrl+z", "undo", "Undo", priority=True),
        Binding("ctrl+r", "restart", "Restart"),
        Binding("ctrl+o", "pick_target", "Target"),
        Binding("ctrl+s", "export", "Export"),
    ]

    def __init__(
        self,
        backend: Backend,
        runner: ProbeRunner | None,
        *,
        target: str | None = None,
        ask_target: bool = True,
        clock: Callable[[], datetime] = datetime.now,
        check_target: Callable[[str], None] = check_target_file,
        read_plain_scripts: bool = True,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.runner = runner
        self.check_target = check_target
        """Refuses a target before it is loaded (``TargetProblem``); ``unstuck chat --run``
        checks a script instead of a target file."""
        self.read_plain_scripts = read_plain_scripts
        """A plain training script is read without running it; ``unstuck chat --run`` turns
        this off, because there the runner runs the script under the watcher."""
        self.target_spec = target
        self.ask_target = ask_target
        self.clock = clock
        self.target: ConnectedTarget | None = None
        self.transcript = Transcript()
        self.snapshot = Snapshot()
        # The probes asked for and not yet run, and the one cap on them, as every front end has.
        self.loop = DriveLoop()
        self.rows: dict[str, ProbeProgressRow] = {}
        self.running: RunningProbe | None = None
        self._lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        with Vertical(id="layout"):
            yield Header()
            with Horizontal(id="main"):
                yield VerticalScroll(id="conversation")
                yield CausePanel()
            yield Vertical(id="probes")
            yield QuestionPanel()
            yield Composer()
            yield Footer()
        yield SizeNotice()

    async def on_mount(self) -> None:
        self._show_where()
        # Stay at the newest message as replies and cards grow, until the user scrolls up.
        self.query_one("#conversation", VerticalScroll).anchor()
        self.query_one(Composer).focus()
        await self.step(self.backend.start)
        if self.target_spec:
            self.attach(self.target_spec)
        elif self.ask_target:
            self.action_pick_target()

    async def on_unmount(self) -> None:
        self._cancel_all()

    # -- what the user does -------------------------------------------------------------

    @on(Composer.Submitted)
    async def on_submitted(self, event: Composer.Submitted) -> None:
        self.add("you", event.text)
        if not await self.step(lambda: self.backend.send(event.text)):
            self.query_one(Composer).load_text(event.text)

    @on(Composer.Shortcut)
    async def on_shortcut(self, event: Composer.Shortcut) -> None:
        if event.key == "?":
            await self.action_why()
        elif not self.query_one(QuestionPanel).pick(int(event.key)):
            self.query_one(Composer).insert(event.key)

    @on(ChoicePicked)
    async def on_choice(self, event: ChoicePicked) -> None:
        self.add("you", event.label)
        await self.step(lambda: self.backend.choose(event.question.id, event.value))

    @on(OptionList.OptionSelected, "#causes")
    async def on_cause_selected(self, event: OptionList.OptionSelected) -> None:
        cause_id = event.option.id or ""
        try:
            card = await self.backend.card(cause_id)
        except BackendError as error:
            self.notice(str(error))
            return
        self.app.push_screen(CauseScreen(card))

    async def action_why(self) -> None:
        self.add("you", "why?")
        try:
            text = await self.backend.why()
        except BackendError as error:
            self.notice(str(error))
            return
        self.add("unstuck", text)

    async def action_undo(self) -> None:
        self.add("you", "undo")
        await self.step(self.backend.undo)

    def action_restart(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._restart(), exclusive=False)

        question = "Start over? The transcript keeps what was said."
        self.app.push_screen(ConfirmScreen(question), answered)

    async def _restart(self) -> None:
        self._cancel_all()
        self.add("you", "restart")
        await self.step(self.backend.restart)

    def action_pick_target(self) -> None:
        def picked(spec: str | None) -> None:
            if spec:
                self.attach(spec)
            elif self.target is None:
                self.notice(f"No target picked. {NO_CHECKS} Press ctrl+o to pick one later.")

        self.app.push_screen(TargetScreen(Path.cwd()), picked)

    def action_export(self) -> None:
        self.app.push_screen(ExportScreen(default_export_path(self.clock())), self.export_to)

    def export_to(self, path: Path | None) -> None:
        if path is None:
            return
        text = export_markdown(
            self.transcript,
            self.snapshot.ranking,
            target=self.target.spec if self.target else None,
            where=self.backend.where,
            when=self.clock(),
        )
        try:
            written = write_export(path, text)
        except ExportError as error:
            self.app.notify(str(error), title="Export failed", severity="error", timeout=10)
            return
        self.app.notify(f"Wrote the transcript and diagnosis to {written}.", title="Exported")

    def action_cancel_probe(self) -> None:
        if self.running is None:
            return
        self.app.notify(f"Cancelling the check {self.running.probe_id}.")
        self._cancel_all()

    # -- talking to the backend ---------------------------------------------------------

    async def step(self, call: Callable[[], Awaitable[list[Reply]]]) -> bool:
        """Make one backend call, render its replies and refresh the panels; False on failure."""
        async with self._lock:
            done = await self._step(call)
        self._start_next_probe()
        return done

    async def _step(self, call: Callable[[], Awaitable[list[Reply]]]) -> bool:
        try:
            replies = await call()
        except BackendError as error:
            self.notice(str(error))
            return False
        await self.render_replies(replies)
        await self.refresh_panels()
        return True

    async def render_replies(self, replies: list[Reply]) -> None:
        for reply in replies:
            if isinstance(reply, Text):
                self.add("unstuck", reply.text, tone=reply.tone)
            elif isinstance(reply, Question):
                self.add("unstuck", question_text(reply))
            elif isinstance(reply, ProbeRequest):
                self.add("unstuck", probe_request_text(reply))
                await self.enqueue(reply)
            elif isinstance(reply, Diagnosis):
                self.transcript.diagnosis = reply
                self.add("unstuck", diagnosis_markdown(reply), markdown=True)

    async def refresh_panels(self) -> None:
        try:
            self.snapshot = await self.backend.snapshot()
        except BackendError as error:
            self.notice(str(error))
            return
        self.query_one(CausePanel).show_ranking(self.snapshot.ranking)
        await self.query_one(QuestionPanel).show(self.snapshot.pending)
        if self.focused is None:
            self.query_one(Composer).focus()

    def add(self, speaker: Speaker, text: str, *, markdown: bool = False, tone: str = "") -> None:
        self.transcript.add(speaker, text, markdown)
        message = ChatMessage(speaker, text, markdown)
        if tone and tone != "info":
            message.add_class(f"tone-{tone}")
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.mount(message)
        conversation.anchor()

    def notice(self, text: str) -> None:
        self.add("notice", text)

    # -- the target and its probes ------------------------------------------------------

    def attach(self, spec: str) -> None:
        try:
            script = plain_script(spec) if self.read_plain_scripts else None
        except (UsageError, TargetSpecError) as error:
            self.notice(f"Cannot use the target {spec}: {sentence(str(error))} {NO_CHECKS}")
            return
        if script is not None:
            # read, never loaded: importing a plain script would run the training
            self.run_worker(self._read_script(script), group="target")
            return
        if self.runner is None:
            self.notice(f"Cannot run checks on {spec}: There is no probe runner. {NO_CHECKS}")
            return
        try:
            self.check_target(spec)
        except TargetProblem as error:
            self.notice(f"Cannot use the target {spec}: {error} {NO_CHECKS}")
            return
        self.add("notice", f"Loading {spec} to see what it provides...")
        runner = self.runner
        self.run_worker(lambda: self._inspect(runner, spec), thread=True, group="target")

    async def _read_script(self, script: ScriptReading) -> None:
        self.add("notice", f"Reading {script.path} without running it...")
        await self.step(lambda: self.backend.read_script(script))

    def _inspect(self, runner: ProbeRunner, spec: str) -> None:
        try:
            target = runner.inspect(spec)
        except Exception as error:  # a target may raise anything on import
            message = str(error) if isinstance(error, TargetProblem) else _named(error)
            self._from_thread(lambda: self._target_failed(spec, message))
            return
        self._from_thread(lambda: self._target_ready(target))

    def _target_failed(self, spec: str, message: str) -> None:
        self.notice(
            f"The target {spec} could not be loaded: {message}\n"
            f"{NO_CHECKS} Fix the file and press ctrl+o to try again."
        )

    async def _target_ready(self, target: ConnectedTarget) -> None:
        self.target = target
        self._show_where()
        observed = getattr(target, "observed", None)
        if isinstance(observed, ProbeResult):
            # What a watched script's loop showed comes first, before any probe is asked for.
            await self._show_observed(observed)
        errors = getattr(target, "errors", None)
        if isinstance(errors, ErrorReading) and errors.facts:
            # ... then what its error says, as evidence, as `unstuck run` reads it
            source = str(getattr(target, "error_source", "")) or "the script's error"
            await self.step(
                lambda: self.backend.tell(dict(errors.facts), source, dict(errors.evidence))
            )
        keys = ", ".join(target.keys) or "nothing"
        self.add("notice", f"Connected {target.spec}; it provides: {keys}.")
        await self.step(lambda: self.backend.attach(target.spec, target.keys))

    async def _show_observed(self, result: ProbeResult) -> None:
        async with self._lock:
            self.transcript.add(
                "probe", "\n".join([probe_headline(result), *probe_details(result)])
            )
            conversation = self.query_one("#conversation", VerticalScroll)
            await conversation.mount(ProbeCard(result))
            conversation.anchor()
            await self._step(lambda: self.backend.report(result))

    async def enqueue(self, request: ProbeRequest) -> None:
        probes = self.query_one("#probes", Vertical)
        for probe in self.loop.take([request]):
            self.rows[probe.probe_id] = ProbeProgressRow(probe.probe_id, probe.title)
            await probes.mount(self.rows[probe.probe_id])

    def _start_next_probe(self) -> None:
        if self.running is not None or not self.loop.queue:
            return
        if self.runner is None or self.target is None:
            self._cancel_all()
            return
        step = self.loop.next()
        if not isinstance(step, NextProbe):  # the loop's cap: no more checks in this chat
            self._cancel_all()
            return
        running = RunningProbe(step.probe_id, threading.Event(), time.monotonic())
        self.running = running
        runner, spec = self.runner, self.target.spec
        row = self.rows[step.probe_id]
        self.run_worker(
            lambda: self._run_probe(runner, spec, running, row), thread=True, group="probe"
        )

    def _run_probe(
        self, runner: ProbeRunner, spec: str, running: RunningProbe, row: ProbeProgressRow
    ) -> None:
        def progress(update: ProbeProgress) -> None:
            self._from_thread(lambda: row.advance(update))

        try:
            result = runner.run(spec, running.probe_id, progress, running.cancel)
        except Exception as error:  # the runner itself broke: still a result
            result = crashed_result(running.probe_id, error, time.monotonic() - running.started)
        if running.cancel.is_set():
            result = cancelled_result(running.probe_id, time.monotonic() - running.started)
        self._from_thread(lambda: self._probe_finished(result))

    async def _probe_finished(self, result: ProbeResult) -> None:
        # Under the lock, and still marked running until reported, so a message typed
        # meanwhile cannot queue the same probe again.
        async with self._lock:
            row = self.rows.pop(result.id, None)
            if row is not None:
                await row.remove()
            self.transcript.add(
                "probe", "\n".join([probe_headline(result), *probe_details(result)])
            )
            conversation = self.query_one("#conversation", VerticalScroll)
            await conversation.mount(ProbeCard(result))
            conversation.anchor()
            await self._step(lambda: self.backend.report(result))
            if self.running is not None:
                self.loop.finished(self.running.probe_id)
            self.running = None
        self._start_next_probe()

    def _cancel_all(self) -> None:
        if self.running is not None:
            self.running.cancel.set()
        self.loop.cancel()
        for probe_id in list(self.rows):
            if self.running is None or probe_id != self.running.probe_id:
                self.rows.pop(probe_id).remove()

    def _from_thread(self, callback: Callable[[], object]) -> None:
        # RuntimeError: the app is closing, and nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback)

    # -- layout -------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        width, height = event.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(small, "too-small")
        if small:
            self.query_one(SizeNotice).update(
                f"The terminal is {width}x{height}; unstuck needs at least "
                f"{MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window (ctrl+q quits)."
            )

    def _show_where(self) -> None:
        target = self.target.spec if self.target else "no target"
        self.sub_title = f"{target} · {self.backend.where}"


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
