"""The composition root: builds the `unstuck` command line and calls each command's module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from assistant.core.errors import UnstuckError, UsageError
from knowledge.errors import KnowledgeError
from probes.errors import TargetError

DESCRIPTION = "unstuck: find out why your machine-learning model does not learn."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unstuck", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    diagnose = commands.add_parser(
        "diagnose", help="run the whole diagnosis without a person and print the result"
    )
    diagnose.add_argument("target", nargs="?", help="path/to/file.py[:function] (optional)")
    diagnose.add_argument("--say", help="the complaint, in your own words")
    diagnose.add_argument(
        "--answers", metavar="FILE.json", help="answers: fact or question id -> value"
    )
    diagnose.add_argument("--data", metavar="FILE.csv", help="a table (CSV or Parquet) to check")
    diagnose.add_argument("--label", metavar="COL", help="the label column of --data")
    diagnose.add_argument(
        "--curve", metavar="FILE", help="metrics you already have: metrics.csv, history JSON"
    )
    diagnose.add_argument("--json", action="store_true", help="print one JSON object")
    diagnose.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="time limit per probe in seconds"
    )

    run = commands.add_parser(
        "run",
        help="run your own training script for a few steps, watch it, and diagnose it",
        description="Runs SCRIPT.py for real (its side effects happen), watches the training "
        "loop, stops it after --steps optimizer steps or --seconds, and probes what it built. "
        "Give the script's own arguments after --.",
    )
    run.add_argument("script", metavar="SCRIPT.py", help="the training script, run unchanged")
    run.add_argument("--say", help="the complaint, in your own words")
    run.add_argument(
        "--steps", type=_positive, default=None, metavar="N", help="optimizer steps to watch (100)"
    )
    run.add_argument(
        "--seconds", type=float, default=None, metavar="S", help="longest the script runs (60)"
    )
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="time limit per probe in seconds"
    )

    chat = commands.add_parser("chat", help="talk it through (terminal app, or --plain lines)")
    chat.add_argument("target", nargs="?", help="path/to/file.py[:function] (optional)")
    chat.add_argument("--plain", action="store_true", help="a line-based conversation")
    chat.add_argument("--server", metavar="URL", help="talk to a remote unstuck service")
    chat.add_argument("--api-key", metavar="KEY", help="API key for --server")
    chat.add_argument(
        "--run",
        metavar="SCRIPT.py",
        help="run your training script for a few steps, watch it, and talk it through "
        "(its own arguments after --)",
    )

    probe = commands.add_parser("probe", help="run checks on a target and report the results")
    probe.add_argument("target", help="path/to/file.py[:function]")
    probe.add_argument("--only", nargs="+", metavar="ID", help="run only these probes")
    probe.add_argument("--json", action="store_true", help="print the report as JSON")
    probe.add_argument("--out", metavar="FILE", help="also write the JSON report to FILE")
    probe.add_argument("--server", metavar="URL", help="post the report to this unstuck service")
    probe.add_argument("--session", metavar="ID", help="the session to post the report to")
    probe.add_argument("--api-key", metavar="KEY", help="API key for --server")
    probe.add_argument(
        "--token", metavar="T", help="the session's probe token (the command shown in Slack has it)"
    )
    probe.add_argument("--timeout", type=float, default=None, metavar="S")

    kb = commands.add_parser("kb", help="inspect and check the knowledge base")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    check = kb_commands.add_parser("check", help="validate the knowledge base files")
    check.add_argument("--path", metavar="DIR", help="a knowledge folder (default: bundled)")
    kb_commands.add_parser("facts", help="list facts and their values")
    kb_commands.add_parser("questions", help="list questions with their fact")
    kb_commands.add_parser("causes", help="list causes")

    commands.add_parser("demo", help="watch unstuck diagnose a bundled broken training script")

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="server processes sharing the port and the session store (default 1)",
    )
    serve.add_argument(
        "--slack-socket-mode",
        action="store_true",
        help="take Slack's events over Socket Mode (SLACK_APP_TOKEN), for a service Slack "
        "cannot reach",
    )
    serve.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log a line per request (errors are still logged)",
    )

    revoke = commands.add_parser(
        "revoke-key", help="revoke an API or widget key: every server refuses it within a second"
    )
    revoke.add_argument("key", metavar="KEY", help="the key itself, or - to read it from stdin")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words, script_args = split_script_args(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(words)
    args.script_args = script_args
    try:
        return _dispatch(parser, args)
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except UnstuckError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def split_script_args(words: list[str]) -> tuple[list[str], list[str]]:
    """`unstuck run train.py --steps 5 -- --lr 0.1` (or `unstuck chat --run train.py -- ...`):
    what follows `--` is the script's."""
    runs_script = words[:1] == ["run"] or (words[:1] == ["chat"] and "--run" in words)
    if runs_script and "--" in words:
        cut = words.index("--")
        return words[:cut], words[cut + 1 :]
    return words, []


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


# Each command's module is imported only when that command runs: `unstuck kb` need not load
# torch, and the line commands never load the terminal app or the web service.
def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "serve" and args.slack_socket_mode:
        _slack_socket_mode(args.workers)
    if args.command == "diagnose":
        from assistant.cli.diagnose import diagnose

        return diagnose(
            sys.stdout,
            target=args.target,
            say=args.say,
            answers=args.answers,
            data=args.data,
            label=args.label,
            curve=args.curve,
            as_json=args.json,
            timeout=args.timeout,
        )
    if args.command == "run":
        from assistant.cli.run import run_script
        from probes.script import DEFAULT_SECONDS, DEFAULT_STEPS

        return run_script(
            sys.stdout,
            args.script,
            script_args=args.script_args,
            say=args.say,
            steps=args.steps or DEFAULT_STEPS,
            seconds=args.seconds if args.seconds is not None else DEFAULT_SECONDS,
            as_json=args.json,
            timeout=args.timeout,
        )
    if args.command == "chat":
        if args.run is not None:
            return _chat_on_script(args)
        return _chat(args.target, args.plain, args.server, args.api_key)
    if args.command == "probe":
        from assistant.cli.probe import probe

        return probe(
            sys.stdout,
            args.target,
            only=args.only,
            as_json=args.json,
            out_file=args.out,
            server=args.server,
            session=args.session,
            api_key=args.token or args.api_key,
            timeout=args.timeout,
        )
    if args.command == "kb":
        from assistant.cli import kb

        if args.kb_command == "check":
            return kb.check(sys.stdout, args.path)
        return kb.listing(sys.stdout, args.kb_command)
    if args.command == "demo":
        from assistant.cli.demo import run_demo

        return run_demo(sys.stdout)
    if args.command == "serve":
        return _serve(args.host, args.port, args.workers, args.access_log)
    if args.command == "revoke-key":
        return _revoke_key(args.key)
    parser.print_help()
    return 2


def _slack_socket_mode(workers: int) -> None:
    """``serve --slack-socket-mode``: the Slack front end reads it as SLACK_SOCKET_MODE."""
    if workers > 1:
        raise UsageError(
            "--slack-socket-mode keeps one connection to Slack, in one process: drop "
            "--workers, or use SLACK_SIGNING_SECRET and POST /slack/events instead"
        )
    os.environ["SLACK_SOCKET_MODE"] = "true"


def _chat(target: str | None, plain: bool, server: str | None, api_key: str | None) -> int:
    if not plain:
        import tui

        return tui.run(target=target, server=server, api_key=api_key)
    if server:
        raise UsageError("--plain works in-process only; drop --server, or drop --plain")
    from assistant.cli.chat import plain_chat

    return plain_chat(target, sys.stdin, sys.stdout)


def _revoke_key(key: str) -> int:
    import server

    problems = server.settings_problems()
    if problems:
        raise UsageError(
            f"the service settings are wrong: {problems}. Fix the environment variables "
            "(README.md lists every setting) and run it again."
        )
    plain_key = sys.stdin.readline().strip() if key == "-" else key
    return server.revoke(plain_key, sys.stdout)


def _chat_on_script(args: argparse.Namespace) -> int:
    if args.plain:
        raise UsageError("--run opens the terminal app; for a printed report use unstuck run")
    if args.target is not None:
        raise UsageError("give either a target file or --run SCRIPT.py, not both")
    from assistant.cli.run import script_request
    from probes.script import DEFAULT_SECONDS, DEFAULT_STEPS

    request = script_request(args.run, args.script_args, DEFAULT_STEPS, DEFAULT_SECONDS)
    import tui

    return tui.run_script(request, server=args.server, api_key=args.api_key)


def _serve(host: str, port: int, workers: int, access_log: bool) -> int:
    import server

    problems = server.settings_problems()
    if problems:
        raise UsageError(
            f"the service settings are wrong: {problems}. Fix the environment "
            "variables (README.md lists every setting) and start again."
        )
    return server.run(host, port, workers, access_log)


if __name__ == "__main__":
    sys.exit(main())
