"""The `unstuck` command line: diagnose, chat, probe, kb, demo, serve."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assistant.core.errors import UnstuckError
from knowledge.errors import KnowledgeError

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

    chat = commands.add_parser("chat", help="talk it through (terminal app, or --plain lines)")
    chat.add_argument("target", nargs="?", help="path/to/file.py[:function] (optional)")
    chat.add_argument("--plain", action="store_true", help="a line-based conversation")
    chat.add_argument("--server", metavar="URL", help="talk to a remote unstuck service")
    chat.add_argument("--api-key", metavar="KEY", help="API key for --server")

    probe = commands.add_parser("probe", help="run checks on a target and report the results")
    probe.add_argument("target", help="path/to/file.py[:function]")
    probe.add_argument("--only", nargs="+", metavar="ID", help="run only these probes")
    probe.add_argument("--json", action="store_true", help="print the report as JSON")
    probe.add_argument("--out", metavar="FILE", help="also write the JSON report to FILE")
    probe.add_argument("--server", metavar="URL", help="post the report to this unstuck service")
    probe.add_argument("--session", metavar="ID", help="the session to post the report to")
    probe.add_argument("--api-key", metavar="KEY", help="API key for --server")
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
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log a line per request (errors are still logged)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except KnowledgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except UnstuckError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except _target_errors() as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


def _target_errors() -> tuple[type[Exception], ...]:
    try:
        from probes.errors import TargetError
    except ImportError:  # the probes package is optional for answer-only use
        return ()
    return (TargetError,)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from assistant.cli import commands

    if args.command == "diagnose":
        return commands.diagnose(args, sys.stdout)
    if args.command == "chat":
        return commands.chat(args, sys.stdin, sys.stdout)
    if args.command == "probe":
        return commands.probe(args, sys.stdout)
    if args.command == "kb":
        return commands.kb(args, sys.stdout)
    if args.command == "demo":
        return commands.demo(sys.stdout)
    if args.command == "serve":
        return commands.serve(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
