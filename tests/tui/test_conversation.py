"""Whole conversations in the app, driven by keys at 80x24, with a fake probe runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList

from probes.result import ProbeResult
from tui.app import UnstuckApp
from tui.chat import NO_CHECKS
from tui.composer import Composer
from tui.keys import KEYS
from tui.screens import CauseScreen, HelpScreen
from tui.widgets import ChoiceButton, ProbeCard, SizeNotice

SIZE = (80, 24)


async def settle(pilot: Pilot[int], done: Callable[[], bool], seconds: float = 15.0) -> None:
    """Let workers and messages run until ``done`` holds."""
    for _ in range(int(seconds / 0.05)):
        if done():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the app did not get there in time")


def said(app: UnstuckApp, speaker: str) -> list[str]:
    return [e.text for e in app.chat.transcript.entries if e.speaker == speaker]


def diagnosed(app: UnstuckApp) -> bool:
    return app.chat.transcript.diagnosis is not None and app.chat.running is None


async def type_line(pilot: Pilot[int], text: str) -> None:
    """Type ``text`` into the input (all at once: pressing each key is slow) and send it."""
    pilot.app.query_one(Composer).load_text(text)
    await pilot.press("enter")


async def export_to(pilot: Pilot[int], path: Path) -> None:
    await pilot.press("ctrl+s")
    pilot.app.screen.query_one("#export-path", Input).value = str(path)
    await pilot.press("enter")


async def test_probes_on_the_softmax_target_find_the_output_activation(
    make_app: Any, fake_runner: Any, softmax_target: str
) -> None:
    runner = fake_runner()
    app = make_app(runner=runner, target=softmax_target)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: diagnosed(app))
        diagnosis = app.chat.transcript.diagnosis
        assert diagnosis is not None
        assert diagnosis.found[0] == "model.output_activation"
        assert "output_check" in runner.ran
        assert app.query_one("#causes", OptionList).get_option_at_index(0).id == (
            "model.output_activation"
        )
        assert len(app.query(ProbeCard)) == len(runner.ran)
        await pilot.press("1")
        await settle(pilot, lambda: said(app, "you")[-1:] == ["fixed: it learns now"])
        assert said(app, "unstuck")[-1] == (
            "Good to hear that output activation does not match the task was it. If training "
            "stalls again, tell me what you see and we start over."
        )


async def test_the_chat_goes_on_by_keys_alone_without_a_target(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)
        question = app.chat.snapshot.pending
        assert question is not None
        await pilot.press("1")
        await settle(pilot, lambda: app.chat.snapshot.pending != question)
        assert said(app, "you") == [
            "the loss is stuck and does not go down",
            question.choices[0].label,
        ]
        assert said(app, "unstuck")[1] == "Noted: the training loss does not move."


async def test_a_choice_button_answers_the_question(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss goes to nan after 3 epochs")
        await settle(pilot, lambda: len(app.query(ChoiceButton)) > 0)
        second = app.query(ChoiceButton)[1]
        await pilot.click(second)
        await settle(pilot, lambda: len(said(app, "you")) == 2)
        assert said(app, "you")[1] == second.label_text


async def test_question_mark_explains_and_ctrl_z_undoes(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)
        await pilot.press("?")
        await settle(pilot, lambda: said(app, "you")[-1] == "why?")
        assert said(app, "unstuck")[-1].startswith("Where I stand:\n")
        await pilot.press("ctrl+z")
        await settle(pilot, lambda: said(app, "you")[-1] == "undo")
        assert "Done: I took back your last step." in said(app, "unstuck")


async def test_restart_asks_first_and_keeps_the_transcript(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        await pilot.press("ctrl+r")
        await pilot.press("y")
        await settle(pilot, lambda: "Starting over." in said(app, "unstuck"))
        assert said(app, "you") == ["the loss is stuck and does not go down", "restart"]
        assert app.chat.snapshot.pending is None


async def test_up_recalls_earlier_messages(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck")
        await type_line(pilot, "done")
        await pilot.press("up")
        assert app.query_one(Composer).text == "done"
        await pilot.press("up")
        assert app.query_one(Composer).text == "the loss is stuck"
        await pilot.press("down", "down")
        assert app.query_one(Composer).text == ""


async def test_pasted_lines_stay_one_message(make_app: Any) -> None:
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "train.py", line 12, in <module>\n'
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x10 and 784x128)"
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(events.Paste(traceback))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot, lambda: bool(said(app, "you")))
        assert said(app, "you") == [traceback]


async def test_a_missing_target_is_named_and_the_chat_goes_on(
    make_app: Any, fake_runner: Any
) -> None:
    app = make_app(runner=fake_runner(), target="no/such/train.py")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert said(app, "notice") == [
            "Cannot use the target no/such/train.py: There is no file at no/such/train.py. "
            "The chat goes on without checks on your code."
        ]
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)


async def test_a_target_that_raises_on_import_is_named(
    make_app: Any, fake_runner: Any, broken_target: str
) -> None:
    app = make_app(runner=fake_runner(), target=broken_target)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(said(app, "notice")) == 2)
        assert said(app, "notice")[1] == (
            f"The target {broken_target} could not be loaded: "
            "RuntimeError: CUDA is not available on this machine\n"
            "The chat goes on without checks on your code. "
            "Fix the file and press ctrl+o to try again."
        )
        assert app.chat.target is None
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)


async def test_a_plain_script_is_read_never_loaded_and_the_chat_goes_on(
    make_app: Any, fake_runner: Any
) -> None:
    script = Path(__file__).parent / "fixtures" / "plain_training_script.py"
    runner = fake_runner()
    app = make_app(runner=runner, target=str(script))
    async with app.run_test(size=SIZE) as pilot:
        await settle(
            pilot, lambda: any(s.startswith("Found, read from") for s in said(app, "unstuck"))
        )
        assert said(app, "notice") == [f"Reading {script} without running it..."]
        replies = said(app, "unstuck")
        assert f"I read {script} without running it." in " ".join(replies)
        found = next(s for s in replies if s.startswith("Found, read from"))
        assert (
            f"- the last layer ends in a softmax ({script}:12: model = nn.Sequential("
            "nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1), nn.Softmax(dim=1)))"
        ) in found.splitlines()
        assert app.chat.target is None and runner.ran == []
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: said(app, "you") != [])
    assert not script.with_name("PLAIN_TRAINING_SCRIPT_RAN").exists()


async def test_a_script_that_is_not_utf8_is_named_and_the_chat_goes_on(
    make_app: Any, fake_runner: Any, tmp_path: Path
) -> None:
    script = tmp_path / "train.py"
    script.write_bytes(b"x = '\\xff'\nmodel = '\xff'\n")
    app = make_app(runner=fake_runner(), target=str(script))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: said(app, "notice") != [])
        assert said(app, "notice") == [
            f"Cannot use the target {script}: The script '{script}' is not UTF-8 text: byte "
            "0xff at position 20 does not decode. Expected a Python source file; save it as "
            "UTF-8 (or paste the training code into the chat instead). "
            f"{NO_CHECKS}"
        ]
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: app.chat.snapshot.pending is not None)


async def test_a_crashing_probe_becomes_an_error_card(
    make_app: Any, fake_runner: Any, softmax_target: str
) -> None:
    def crash_first(probe_id: str) -> ProbeResult:
        return ProbeResult(
            id=probe_id,
            status="error",
            finding=f"The probe {probe_id} crashed in your code.",
            error="ZeroDivisionError: division by zero",
        )

    runner = fake_runner(result_of=crash_first)
    app = make_app(runner=runner, target=softmax_target)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(runner.ran) >= 2 and app.chat.running is None)
        cards = app.query(ProbeCard)
        assert cards[0].has_class("status-error")
        assert said(app, "probe")[0] == (
            f"ERROR  {runner.ran[0]}  (0.0 s)\n"
            f"The probe {runner.ran[0]} crashed in your code.\n"
            "Error: ZeroDivisionError: division by zero"
        )
        await type_line(pilot, "the loss is stuck and does not go down")
        await settle(pilot, lambda: said(app, "you") != [] and app.chat.running is None)


async def test_escape_cancels_the_running_probe(
    make_app: Any, fake_runner: Any, softmax_target: str
) -> None:
    runner = fake_runner(hang=frozenset({"data_checks", "short_fit", "output_check"}))
    app = make_app(runner=runner, target=softmax_target)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, runner.started.is_set)
        first = runner.ran[0]
        await pilot.press("escape")
        await settle(pilot, lambda: bool(said(app, "probe")))
        headline, finding = said(app, "probe")[0].split("\n")
        assert headline.startswith(f"ERROR  {first}  (")
        assert finding == "You cancelled this check before it finished; it established nothing."


async def test_export_writes_the_transcript_as_markdown(make_app: Any, tmp_path: Path) -> None:
    path = tmp_path / "session.md"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        await export_to(pilot, path)
        await settle(pilot, path.exists)
        text = path.read_text(encoding="utf-8")
        assert text.startswith(
            "# unstuck session\n\n- Date: 2025-01-02 03:04\n- Target: none\n"
            "- Session: in-process\n\n## Diagnosis\n\nNo diagnosis yet."
        )
        assert "**You:** the loss is stuck and does not go down" in text


async def test_export_to_an_unwritable_path_loses_nothing(make_app: Any, tmp_path: Path) -> None:
    bad = tmp_path / "no-such-folder" / "session.md"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        entries = list(app.chat.transcript.entries)
        await export_to(pilot, bad)
        await settle(pilot, lambda: bool(app._notifications))
        [notification] = list(app._notifications)
        assert notification.message == (
            f"Could not write the transcript to {bad}: No such file or directory. "
            "Nothing was lost; press ctrl+s and choose another path."
        )
        assert notification.severity == "error"
        assert app.chat.transcript.entries == entries


async def test_f1_lists_every_key(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one("Markdown").source  # type: ignore[attr-defined]
        for key, action in KEYS:
            assert f"| `{key}` | {action} |" in source
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_enter_on_a_cause_shows_its_evidence_and_fix(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "the loss is stuck and does not go down")
        causes = app.query_one("#causes", OptionList)
        causes.focus()
        causes.highlighted = 0
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, CauseScreen))
        assert isinstance(app.screen, CauseScreen)
        card = app.screen.card
        assert card.id == causes.get_option_at_index(0).id
        assert card.evidence_for[0].text == "the training loss does not move (you said)"


async def test_a_tiny_terminal_gets_a_message_not_a_crash(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        notice = app.query_one(SizeNotice)
        assert notice.display
        assert str(notice.render()) == (
            "The terminal is 50x12; unstuck needs at least 60x18. "
            "Enlarge the window (ctrl+q quits)."
        )
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.chat.has_class("too-small")


async def test_the_target_picker_can_be_skipped(make_app: Any, fake_runner: Any) -> None:
    app = make_app(runner=fake_runner(), ask_target=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#target-input") is not None
        await pilot.press("escape")
        await pilot.pause()
        assert said(app, "notice") == [
            "No target picked. The chat goes on without checks on your code. "
            "Press ctrl+o to pick one later."
        ]
        assert not app.query(Button).filter(".choice")
