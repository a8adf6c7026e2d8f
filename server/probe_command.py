"""The ``unstuck probe`` command the assistant asks a user to run where their model lives.

The server cannot reach the user's model, so when the engine asks for probes every front end
that talks through the server (the widget, Slack, the JSON API) shows one command whose report
joins the session. It is built here, once: the text reply carries it as a line of prose for
front ends that show text, and ``ProbeCommand`` carries it as data for those that render it
themselves (a code block with a copy button, a Block Kit section).
"""

from __future__ import annotations

import shlex

from pydantic import BaseModel, ConfigDict

#: Shown when the session has no target yet: the user replaces it with their own file.
PLACEHOLDER_TARGET = "path/to/your_experiment.py"
INTRO = (
    "These checks need your model and data, which live on your machine. "
    "Run this there and the results join this conversation:"
)
#: The option that carries a key or a session-scoped probe token (``server.tokens``).
TOKEN_OPTION = "--api-key"


class ProbeCommand(BaseModel):
    """The command as data. ``argv`` never holds a token: the command is stored with the
    session's replies, and a token in the store would outlive its purpose. A front end that
    holds a probe token adds ``[TOKEN_OPTION, token]`` (``with_token``) when it shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intro: str
    """The sentence that goes before the command."""
    argv: list[str]
    """The command's words, unquoted: ``["unstuck", "probe", target, "--server", ...]``."""
    line: str
    """``argv`` as one line a POSIX shell reads back as ``argv`` (quoted where needed)."""
    target: str
    server: str
    session: str


def probe_command(public_url: str, session_id: str, target: str | None) -> ProbeCommand:
    """The command that runs the probes on ``target`` (a placeholder path when None) and posts
    the report to ``session_id`` at ``public_url``."""
    server = public_url.rstrip("/")
    path = target or PLACEHOLDER_TARGET
    argv = ["unstuck", "probe", path, "--server", server, "--session", session_id]
    line = shlex.join(argv)
    return ProbeCommand(
        intro=INTRO, argv=argv, line=line, target=path, server=server, session=session_id
    )


def with_token(command: ProbeCommand, token: str, option: str = TOKEN_OPTION) -> list[str]:
    """The command's words with a key or probe token that lets its report in, after
    ``option`` (``unstuck probe`` reads ``--api-key`` and ``--token`` alike; Slack's stored
    probe tokens go with ``--token``, as its messages call them tokens)."""
    return [*command.argv, option, token]


def command_text(command: ProbeCommand) -> str:
    """The command in words, as the text reply says it to every front end."""
    return f"{command.intro}\n{command.line}"
