"""The Textual terminal app: ``unstuck chat [TARGET] [--server URL]``."""

from __future__ import annotations

from tui.launch import run

__all__ = ["run"]
