"""`unstuck chat --run SCRIPT.py`: the app runs the user's script under the watcher, shows
what its loop did first, then probes what it built."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from probes.script import ScriptRun
from tui.app import UnstuckApp
from tui.local import LocalBackend
from tui.script import ScriptRunner

SCRIPTS = Path(__file__).parents[2] / "examples" / "scripts"


def _app(script: Path, steps: int = 60) -> tuple[UnstuckApp, ScriptRunner]:
    runner = ScriptRunner(ScriptRun(path=str(script), cwd=str(Path.cwd()), steps=steps))
    app = UnstuckApp(
        LocalBackend(),
        runner,
        target=str(script),
        ask_target=False,
        clock=lambda: datetime(2026, 1, 1),
        check_target=runner.check,
        read_plain_scripts=False,
    )
    return app, runner


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_the_watched_loop_comes_first_and_the_cause_is_found() -> None:
    app, runner = _app(SCRIPTS / "dataset_missing_zero_grad.py")
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(1200):
                if app.chat.transcript.diagnosis is not None and app.chat.running is None:
                    break
                await pilot.pause(0.1)
            diagnosis = app.chat.transcript.diagnosis
            assert diagnosis is not None, app.chat.transcript.entries
            assert diagnosis.found[0] == "train.missing_zero_grad"
            findings = [e.text for e in app.chat.transcript.entries if e.speaker == "probe"]
            assert "Gradients were not cleared between optimizer steps" in findings[0]
    finally:
        runner.close()


async def test_a_script_that_is_not_python_is_refused_before_it_runs(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    app, runner = _app(notes)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        notices = [e.text for e in app.chat.transcript.entries if e.speaker == "notice"]
        assert any(
            f"'{notes}' is not a Python script (expected a .py file)" in text for text in notices
        )
    assert runner.watched is None
