"""``python -m tui [TARGET] [--server URL] [--api-key KEY]``: the chat without the CLI."""

from __future__ import annotations

import argparse
import sys

from tui.launch import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="Chat with unstuck.")
    parser.add_argument("target", nargs="?", help="file.py or file.py:function with your model")
    parser.add_argument("--server", help="URL of an unstuck service to talk to")
    parser.add_argument("--api-key", help="key for the service (default: $UNSTUCK_API_KEY)")
    args = parser.parse_args(argv)
    return run(args.target, args.server, args.api_key)


if __name__ == "__main__":
    sys.exit(main())
