"""The text input: multi-line (pasted tracebacks stay whole), enter sends, up/down recall."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = ("shift+enter", "ctrl+j")
SHORTCUT_CHARACTERS = "123456789?"


class Composer(TextArea):
    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Shortcut(Message):
        """A key that acts on the conversation when the input is empty: 1-9 or ?."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self) -> None:
        super().__init__(id="composer", soft_wrap=True, show_line_numbers=False)
        # A steady cursor: easier to find, and screenshots do not depend on the blink phase.
        self.set_reactive(TextArea.cursor_blink, False)
        self.sent: list[str] = []
        self._recall: int | None = None
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        if self._handle(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _handle(self, event: events.Key) -> bool:
        if event.key == "enter":
            self.submit()
            return True
        if event.key in NEWLINE_KEYS:
            self.insert("\n")
            return True
        if not self.text and event.character and event.character in SHORTCUT_CHARACTERS:
            self.post_message(self.Shortcut(event.character))
            return True
        if event.key == "up" and self.cursor_location[0] == 0:
            return self.recall(-1)
        if event.key == "down" and self.cursor_location[0] == self.document.line_count - 1:
            return self.recall(+1)
        return False

    def submit(self) -> None:
        text = self.text.strip("\n")
        if not text.strip():
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self._recall = None
        self.clear()
        self.post_message(self.Submitted(text))

    def recall(self, step: int) -> bool:
        """Show an earlier (-1) or later (+1) message; False when there is none to show."""
        if not self.sent:
            return False
        if self._recall is None:
            if step > 0:
                return False
            self._draft = self.text
            index = len(self.sent) - 1
        else:
            index = self._recall + step
        if index < 0:
            return True
        if index >= len(self.sent):
            self._recall = None
            self.load_text(self._draft)
        else:
            self._recall = index
            self.load_text(self.sent[index])
        self.move_cursor(self.document.end)
        return True
