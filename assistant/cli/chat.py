"""`unstuck chat --plain`: a line-based conversation that works over a pipe."""

from __future__ import annotations

from typing import TextIO

from assistant.cli import plain
from assistant.cli.files import write
from assistant.cli.targets import check_target_path, engine
from assistant.core.engine import Engine
from assistant.core.errors import UsageError
from assistant.core.replies import ProbeRequest, Reply
from assistant.core.session import Session
from assistant.drive.driver import ProbeDriver
from assistant.drive.loop import Drive, ProbeFinished, ProbesAsked
from assistant.drive.script_reading import plain_script, tell_script


def plain_chat(
    target: str | None, stdin: TextIO, out: TextIO, with_engine: Engine | None = None
) -> int:
    """A line-based conversation: one line in, the replies out. Works over a pipe."""
    session = Session(with_engine or engine())
    driver: ProbeDriver | None = None
    prompt = stdin.isatty()
    write(out, _render(session.start()))
    try:
        script = plain_script(target)
    except UsageError as error:  # a script it cannot read: say so, go on with words alone
        write(out, f"Notice: cannot read {target}: {error} Going on without it.")
        script, target = None, None
    if script is not None:
        write(out, _render(tell_script(session, script)))
    elif target is not None:
        check_target_path(target)
        try:
            driver = ProbeDriver(target)
        except Exception as error:  # a broken target: say so, go on without probes
            write(out, f"Notice: cannot use the target {target}: {error}. Going on without probes.")
        else:
            write(out, f"Connected to {target}: {driver.summary}")
            replies = session.attach(driver.name, driver.keys)
            write(out, _render(_follow_probes(session, driver, replies, out)))
    while True:
        if prompt:
            out.write("> ")
            out.flush()
        line = stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if text in ("quit", "exit"):
            return 0
        replies = session.send(text)
        if driver is not None:
            replies = _follow_probes(session, driver, replies, out)
        write(out, _render(replies))


def _follow_probes(
    session: Session, driver: ProbeDriver, replies: list[Reply], out: TextIO
) -> list[Reply]:
    """Run the probes the engine asks for, until it asks a person something."""
    drive = Drive(session, run_probe=driver.run)
    for step in drive.follow(replies):
        if isinstance(step, ProbesAsked):
            write(out, plain.reply(step.request))
        elif isinstance(step, ProbeFinished):
            write(out, f"  [{step.result.status}] {step.result.finding}")
    return drive.replies


def _render(replies: list[Reply]) -> str:
    return "\n\n".join(plain.reply(r) for r in replies if not isinstance(r, ProbeRequest))
