"""The conversation as it happened on screen, kept for export and never rewritten by undo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.core.replies import Diagnosis

Speaker = Literal["you", "unstuck", "probe", "notice"]

SPEAKER_NAMES: dict[Speaker, str] = {
    "you": "You",
    "unstuck": "unstuck",
    "probe": "Check",
    "notice": "Notice",
}


@dataclass(frozen=True)
class Entry:
    speaker: Speaker
    text: str
    markdown: bool = False
    """True when ``text`` is Markdown already (cause cards); plain text otherwise."""


@dataclass
class Transcript:
    entries: list[Entry] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    """The latest diagnosis given, for the export's summary."""

    def add(self, speaker: Speaker, text: str, markdown: bool = False) -> Entry:
        entry = Entry(speaker, text, markdown)
        self.entries.append(entry)
        return entry
