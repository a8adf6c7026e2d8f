"""The app with the real probe runner (child processes) on the broken softmax fixture."""

from __future__ import annotations

from typing import Any

import pytest

from tui.probing import SubprocessRunner

pytest.importorskip("probes.runner")


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_real_probes_find_the_softmax_on_a_regression_output(
    make_app: Any, softmax_target: str
) -> None:
    from probes.runner import close_workers

    app = make_app(runner=SubprocessRunner(), target=softmax_target)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(1200):
                if app.chat.transcript.diagnosis is not None and app.chat.running is None:
                    break
                await pilot.pause(0.1)
            diagnosis = app.chat.transcript.diagnosis
            assert diagnosis is not None, app.chat.transcript.entries
            assert diagnosis.found[0] == "model.output_activation"
            findings = [e.text for e in app.chat.transcript.entries if e.speaker == "probe"]
            assert any("softmax over a single unit" in text for text in findings)
    finally:
        close_workers()
