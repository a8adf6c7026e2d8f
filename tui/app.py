"""The Textual app: wires a backend and a probe runner into the chat screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.backend import Backend
from tui.chat import ChatScreen
from tui.probing import ProbeRunner
from tui.screens import HelpScreen


class UnstuckApp(App[int]):
    CSS_PATH = "unstuck.tcss"
    TITLE = "unstuck"
    # Every action has its own key (listed by F1); a palette would be one more thing to learn.
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f1", "help", "Help")]

    def __init__(
        self,
        backend: Backend,
        runner: ProbeRunner | None = None,
        *,
        target: str | None = None,
        ask_target: bool = True,
        clock: Callable[[], datetime] = datetime.now,
        check_target: Callable[[str], None] | None = None,
        read_plain_scripts: bool = True,
    ) -> None:
        super().__init__()
        checks = {"check_target": check_target} if check_target is not None else {}
        self.chat = ChatScreen(
            backend,
            runner,
            target=target,
            ask_target=ask_target,
            clock=clock,
            read_plain_scripts=read_plain_scripts,
            **checks,
        )

    def get_default_screen(self) -> Screen[None]:
        return self.chat

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def on_unmount(self) -> None:
        await self.chat.backend.close()
