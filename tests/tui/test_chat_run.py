"""`unstuck chat --run SCRIPT.py`: the app runs the user's script under the watcher, shows
what its loop did first, then probes what it built."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from assistant.core.events import Probed, Told
from probes.script import ScriptRun
from tui.app import UnstuckApp
from tui.local import LocalBackend
from tui.script import ScriptRunner

SCRIPTS = Path(__file__).parents[2] / "examples" / "scripts"


def _app(
    script: Path, steps: int = 60, backend: LocalBackend | None = None
) -> tuple[UnstuckApp, ScriptRunner]:
    runner = ScriptRunner(ScriptRun(path=str(script), cwd=str(Path.cwd()), steps=steps))
    app = UnstuckApp(
        backend or LocalBackend(),
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


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_the_error_a_script_raises_is_read_for_what_it_says() -> None:
    backend = LocalBackend()
    app, runner = _app(SCRIPTS / "labels_out_of_range.py", backend=backend)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            # the error's facts may settle a first diagnosis before the probes run: wait for the
            # probes on what the script built, and for the app's work to finish
            for _ in range(1200):
                probed = [e for e in backend.session.events if isinstance(e, Probed)]
                if len(probed) > 1 and app.chat.running is None and not app.chat.loop.queue:
                    break
                await pilot.pause(0.1)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            diagnosis = app.chat.transcript.diagnosis
            assert diagnosis is not None, app.chat.transcript.entries
            assert diagnosis.found[0] == "data.label_encoding"
            # told right after the watch result, as `unstuck run` tells it (later probes agree)
            told = [e for e in backend.session.events if isinstance(e, Told)]
            assert [t.facts for t in told] == [
                {"crash": "index_out_of_bounds", "labels_in_range": "no"}
            ]
            assert told[0].source.startswith("the error ")
            assert told[0].source.endswith(
                "labels_out_of_range.py raised at labels_out_of_range.py, line 16"
            )
            assert "Target 10 is out of bounds" in told[0].evidence["crash"]
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
