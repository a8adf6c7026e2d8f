"""Plots, bars and the Markdown export: pure text, checked exactly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from assistant.core.engine import Ranked
from probes.result import Series
from tui.export import ExportError, export_markdown, write_export
from tui.plotting import plot
from tui.rendering import bar, trend
from tui.transcript import Transcript


@pytest.mark.parametrize(
    ("fraction", "drawn"),
    [(0.0, "··········"), (0.5, "█████·····"), (0.84, "████████▍·"), (1.0, "██████████")],
    ids=["empty", "half", "part-cell", "full"],
)
def test_bars_fill_in_eighths(fraction: float, drawn: str) -> None:
    assert bar(fraction, 10) == drawn


def test_trend_arrows_show_moves_of_a_point_or_more() -> None:
    assert (trend(None, 0.5), trend(0.5, 0.505), trend(0.4, 0.6), trend(0.6, 0.4)) == (
        " ",
        " ",
        "▲",
        "▼",
    )


def test_a_falling_curve_is_drawn_in_braille_with_labelled_axes() -> None:
    series = Series(name="loss", x_label="epoch", y_label="loss", x=[0, 1, 2, 3], y=[4, 2, 1, 0])
    drawn = plot([series], width=12, height=6)
    assert drawn.lines == [
        "4┤⠑⢄⠀⠀⠀⠀⠀⠀⠀⠀",
        " │⠀⠈⠢⡀⠀⠀⠀⠀⠀⠀",
        " │⠀⠀⠀⠈⠑⠢⢄⠀⠀⠀",
        "0┤⠀⠀⠀⠀⠀⠀⠀⠉⠢⢄",
        "  0        3",
        "  loss again",
    ]
    assert drawn.legend == "━ loss"


def test_a_series_without_finite_values_says_so() -> None:
    series = Series(name="loss", x_label="step", y_label="loss", x=[0, 1], y=[float("nan")] * 2)
    assert plot([series], 20, 6).lines == ["loss: no finite values to draw"]


def test_the_export_without_a_diagnosis_lists_the_causes_as_they_stand() -> None:
    transcript = Transcript()
    transcript.add("you", "the loss is flat")
    transcript.add("unstuck", "Noted.\nHow does the loss move?")
    text = export_markdown(
        transcript,
        [Ranked(id="train.lr_too_high", title="Learning rate too high", confidence=0.5, share=0.4)],
        target="train.py",
        where="in-process",
        when=datetime(2025, 1, 2, 3, 4),
    )
    assert text == (
        "# unstuck session\n\n"
        "- Date: 2025-01-02 03:04\n- Target: train.py\n- Session: in-process\n\n"
        "## Diagnosis\n\n"
        "No diagnosis yet. The causes as they stand:\n\n"
        "- Learning rate too high (`train.lr_too_high`): 50% `█████·····`\n\n"
        "## Conversation\n\n"
        "**You:** the loss is flat\n\n"
        "**unstuck:**\n\n```text\nNoted.\nHow does the loss move?\n```\n"
    )


def test_writing_into_a_missing_folder_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "out.md"
    with pytest.raises(ExportError) as caught:
        write_export(path, "text")
    assert str(caught.value) == (
        f"Could not write the transcript to {path}: No such file or directory. "
        "Nothing was lost; press ctrl+s and choose another path."
    )
