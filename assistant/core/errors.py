"""The error hierarchy of the engine's edges, mapped to exit codes and HTTP statuses there."""

from __future__ import annotations


class UnstuckError(Exception):
    """Something the user can fix; the message says what was seen, expected and what to do."""

    exit_code = 1


class UsageError(UnstuckError):
    """Bad command-line input: unknown ids, unreadable files, wrong combinations."""

    exit_code = 2
