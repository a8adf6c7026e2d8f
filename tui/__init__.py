"""The Textual terminal app: ``unstuck chat [TARGET] [--server URL]``."""

from __future__ import annotations

from tui.launch import run, run_script

__all__ = ["run", "run_script"]
