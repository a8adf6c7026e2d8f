"""What each `unstuck` command does. Parsing lives in ``assistant.cli``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from assistant.cli import plain
from assistant.cli.files import read_json, write
from assistant.core.engine import Engine
from assistant.core.errors import UnstuckError, UsageError
from assistant.core.replies import ProbeRequest, Reply
from assistant.core.session import Session
from assistant.drive import headless
from assistant.drive.driver import ProbeDriver, table_target
from knowledge.loader import bundled, load
from probes.result import ProbeReport, ProbeResult


def engine() -> Engine:
    return Engine(bundled())


# -- diagnose ---------------------------------------------------------------------------


def diagnose(args: argparse.Namespace, out: TextIO) -> int:
    answers = _answers(args.answers)
    spec = _target_spec(args)
    driver = None
    if spec is not None or args.curve is not None:
        _check_target_path(spec)
        driver = ProbeDriver(spec, curve=args.curve, timeout=args.timeout)
    _, result = headless.run(
        engine(),
        say=args.say,
        answers=answers,
        target=driver.name if driver else None,
        target_keys=driver.keys if driver else None,
        probe_runner=driver.run if driver else None,
    )
    if args.json:
        write(out, result.model_dump_json(indent=2))
    else:
        write(out, plain.outcome(result))
    return 0


def _answers(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    raw = read_json(path, "the answers")
    if not isinstance(raw, dict):
        raise UsageError(
            f"the answers file '{path}' holds a {type(raw).__name__}; expected an object "
            'mapping fact or question ids to values, such as {"loss_trend": "flat"}'
        )
    return {str(k): v for k, v in raw.items()}


def _target_spec(args: argparse.Namespace) -> str | None:
    if args.data is not None:
        if args.label is None:
            raise UsageError("--data needs --label COL: the name of the label column")
        if args.target is not None:
            raise UsageError("give either a target file or --data, not both")
        return table_target(args.data, args.label)
    if args.label is not None:
        raise UsageError("--label goes with --data FILE.csv")
    spec: str | None = args.target
    return spec


def _check_target_path(spec: str | None) -> None:
    if spec is None:
        return
    path = spec.rsplit(":", 1)[0] if spec.count(":") and not Path(spec).exists() else spec
    if not Path(path).exists():
        raise UsageError(
            f"the target file '{path}' does not exist. Give the path of a Python file that "
            "defines experiment() (or name the function: file.py:function)."
        )


# -- chat -------------------------------------------------------------------------------


def chat(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    if not args.plain:
        import tui

        code: int = tui.run(target=args.target, server=args.server, api_key=args.api_key)
        return code
    if args.server:
        raise UsageError("--plain works in-process only; drop --server, or drop --plain")
    return plain_chat(args.target, stdin, out)


def plain_chat(
    target: str | None, stdin: TextIO, out: TextIO, with_engine: Engine | None = None
) -> int:
    """A line-based conversation: one line in, the replies out. Works over a pipe."""
    session = Session(with_engine or engine())
    driver: ProbeDriver | None = None
    prompt = stdin.isatty()
    write(out, _render(session.start()))
    if target is not None:
        _check_target_path(target)
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
    while replies and isinstance(replies[-1], ProbeRequest):
        request = replies[-1]
        write(out, plain.reply(request))
        for probe_id in request.probes:
            result = driver.run(probe_id)
            write(out, f"  [{result.status}] {result.finding}")
            replies = session.report(result)
    return replies


def _render(replies: list[Reply]) -> str:
    return "\n\n".join(plain.reply(r) for r in replies if not isinstance(r, ProbeRequest))


# -- probe ------------------------------------------------------------------------------


def probe(args: argparse.Namespace, out: TextIO) -> int:
    from probes.runner import run_probes

    _check_target_path(args.target)
    if args.server and not args.session:
        raise UsageError("--server needs --session ID (the command the assistant gave you has it)")
    results = run_probes(args.target, args.only, timeout=args.timeout)
    report = ProbeReport(target=args.target, results=results)
    text = report.model_dump_json(indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    if args.json:
        write(out, text)
    else:
        write(out, _probe_lines(results))
    if args.server:
        _post_report(args.server, args.session, args.api_key, report, out)
    return 1 if any(r.status == "error" for r in results) else 0


def _probe_lines(results: list[ProbeResult]) -> str:
    return "\n".join(f"[{r.status}] {r.id} ({r.seconds:.1f} s): {r.finding}" for r in results)


def _post_report(
    server: str, session_id: str, api_key: str | None, report: ProbeReport, out: TextIO
) -> None:
    import os

    import httpx

    key = api_key or os.environ.get("UNSTUCK_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{server.rstrip('/')}/v1/sessions/{session_id}/probe-reports"
    try:
        response = httpx.post(
            url,
            content=report.model_dump_json(),
            headers={**headers, "Content-Type": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise UnstuckError(
            f"could not post the report to {url}: {error}. Is the server running? "
            f"The report is kept: rerun with --out FILE to save it."
        ) from error
    if response.status_code >= 400:
        raise UnstuckError(
            f"the server refused the report ({response.status_code}): {response.text[:300]}"
        )
    write(out, f"Posted {len(report.results)} results to session {session_id}.")


# -- kb ---------------------------------------------------------------------------------


def kb(args: argparse.Namespace, out: TextIO) -> int:
    if args.kb_command == "check":
        base = load(Path(args.path)) if args.path else load()
        write(
            out,
            f"knowledge base OK: {len(base.facts)} facts, {len(base.questions)} questions, "
            f"{len(base.probes)} probes, {len(base.rules)} rules, {len(base.causes)} causes, "
            f"{len(base.phrases)} phrases",
        )
        return 0
    base = bundled()
    listers: dict[str, Callable[[], list[str]]] = {
        "facts": lambda: [f"{f.id}: {' | '.join(f.values)}" for f in base.facts.values()],
        "questions": lambda: [f"{q.id} (fact {q.fact}): {q.text}" for q in base.questions.values()],
        "causes": lambda: [f"{c.id}: {c.title}" for c in base.causes.values()],
    }
    lister = listers.get(args.kb_command or "")
    if lister is None:
        raise UsageError("say what to do: unstuck kb check | facts | questions | causes")
    write(out, "\n".join(lister()))
    return 0


# -- demo -------------------------------------------------------------------------------


def demo(out: TextIO) -> int:
    from assistant.cli.demo import run_demo

    return run_demo(out)


# -- serve ------------------------------------------------------------------------------


def serve(args: argparse.Namespace) -> int:
    try:
        import server
    except ImportError as error:  # pragma: no cover - the package ships with unstuck
        raise UnstuckError(f"the server is not available: {error}") from error
    from pydantic import ValidationError

    from server.settings import Settings, settings_problems

    try:
        Settings()
    except ValidationError as error:
        raise UsageError(
            f"the service settings are wrong: {settings_problems(error)}. Fix the environment "
            "variables (README.md lists every setting) and start again."
        ) from error
    code: int = server.run(args.host, args.port, args.workers, args.access_log)
    return code
