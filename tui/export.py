"""The transcript and the diagnosis as a Markdown file (ctrl+s)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assistant.core.engine import Ranked
from tui.rendering import bar, diagnosis_body, percent
from tui.transcript import SPEAKER_NAMES, Entry, Transcript


class ExportError(Exception):
    """The file could not be written; the message names the path and the reason."""


def default_export_path(when: datetime) -> Path:
    return Path(f"unstuck-{when:%Y%m%d-%H%M%S}.md")


def export_markdown(
    transcript: Transcript,
    ranking: list[Ranked],
    *,
    target: str | None,
    where: str,
    when: datetime,
) -> str:
    parts = [
        "# unstuck session",
        f"- Date: {when:%Y-%m-%d %H:%M}\n- Target: {target or 'none'}\n- Session: {where}",
        "## Diagnosis",
        _summary(transcript, ranking),
        "## Conversation",
        *(_entry(entry) for entry in transcript.entries),
    ]
    return "\n\n".join(parts) + "\n"


def write_export(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ExportError(
            f"Could not write the transcript to {path}: {reason}. "
            "Nothing was lost; press ctrl+s and choose another path."
        ) from error
    return path


def _summary(transcript: Transcript, ranking: list[Ranked]) -> str:
    if transcript.diagnosis is not None:
        return diagnosis_body(transcript.diagnosis)
    lines = ["No diagnosis yet. The causes as they stand:", ""]
    lines.extend(
        f"- {r.title} (`{r.id}`): {percent(r.confidence)} `{bar(r.confidence, 10)}`"
        for r in ranking[:5]
    )
    return "\n".join(lines)


def _entry(entry: Entry) -> str:
    name = f"**{SPEAKER_NAMES[entry.speaker]}:**"
    if entry.markdown:
        return f"{name}\n\n{entry.text}"
    if "\n" not in entry.text:
        return f"{name} {entry.text}"
    fence = "````" if "```" in entry.text else "```"
    return f"{name}\n\n{fence}text\n{entry.text}\n{fence}"
