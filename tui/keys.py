"""Every key the app answers to, in one table: the help screen lists exactly these."""

from __future__ import annotations

KEYS: list[tuple[str, str]] = [
    ("enter", "send your message (or press the focused button)"),
    ("shift+enter, ctrl+j", "start a new line in your message"),
    ("up / down", "recall earlier messages (on the first or last line of the input)"),
    ("1-9", "pick that answer (when the input is empty)"),
    ("?", "why this question, and where the causes stand (when the input is empty)"),
    ("tab / shift+tab", "move between the input, the answers and the causes"),
    ("enter on a cause", "show its evidence for and against, and its fix"),
    ("esc", "cancel the running check, or close a dialog"),
    ("ctrl+z", "undo your last step"),
    ("ctrl+r", "start over (the transcript keeps what was said)"),
    ("ctrl+o", "pick a target file, so checks can run on your code"),
    ("ctrl+s", "export the transcript and diagnosis to Markdown"),
    ("f1", "this help"),
    ("ctrl+q", "quit"),
]


def help_markdown() -> str:
    rows = "\n".join(f"| `{key}` | {action} |" for key, action in KEYS)
    words = (
        "You can also type these words: `why`, `undo`, `restart`, `skip` (I don't know), "
        "`done` (diagnose now), `fixed`, `still stuck`."
    )
    return f"# Keys\n\n| key | does |\n|---|---|\n{rows}\n\n{words}"
