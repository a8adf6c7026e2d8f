"""A plain training script named to `unstuck diagnose` or `unstuck chat --plain` is read, never
run: its findings become facts with the file and line as evidence."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.cli.chat import plain_chat
from assistant.main import main

SCRIPT = """\
import pathlib
import torch
from torch import nn

pathlib.Path({marker!r}).write_text("the script was run")

X = torch.randn(256, 1) * 40
y = X * 1.8 + 32
model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1), nn.Softmax(dim=1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.MSELoss()
for epoch in range(20):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
"""


@pytest.fixture
def script(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "RAN"
    path = tmp_path / "train.py"
    path.write_text(SCRIPT.format(marker=str(marker)), encoding="utf-8")
    return path, marker


def test_diagnose_reads_a_plain_script_without_running_it(
    capsys: pytest.CaptureFixture[str], script: tuple[Path, Path]
) -> None:
    path, marker = script
    code = main(["diagnose", str(path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert not marker.exists()
    assert result["probes"] == []
    softmax = next(s for s in result["steps"] if s["id"] == "output_activation")
    assert softmax == {
        "kind": "inference",
        "id": "output_activation",
        "result": "softmax",
        "text": f"{path}:9: model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), "
        "nn.Linear(16, 1), nn.Softmax(dim=1))",
    }
    card = next(c for c in result["causes"] if c["id"] == "model.output_activation")
    assert any(
        e.startswith("the last layer ends in a softmax (" + f"{path}:9:") for e in card["evidence"]
    )
    assert result["notes"][-1] == (
        f"I read {path} without running it. To let me run checks on the model itself, run "
        f"unstuck run {path} (it runs the script for a few training steps and watches it), "
        "or add a function experiment() to it that returns the model, the data, the loss and "
        f"the optimizer (see the README), and name it as {path}:experiment."
    )


def test_a_target_file_is_still_loaded_for_probes(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.drive.script_reading import plain_script

    assert plain_script("examples/model_softmax_regression.py") is None
    assert plain_script("examples/model_softmax_regression.py:experiment_fixed") is None


def test_a_plain_script_that_is_not_utf8_is_refused_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "train.py"
    path.write_bytes(b"x = '\xff\xfe'\n")
    assert main(["diagnose", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: the script '{path}' is not UTF-8 text: byte 0xff at position 5 does not "
        "decode. Expected a Python source file; save it as UTF-8 (or paste the training code "
        "into the chat instead).\n"
    )


def test_plain_chat_reads_a_plain_script_and_goes_on(script: tuple[Path, Path]) -> None:
    path, marker = script
    out = io.StringIO()
    assert plain_chat(str(path), io.StringIO("the loss does not move\nwhy\n"), out) == 0
    assert not marker.exists()
    # the plain chat wraps long lines, and breaks a long path: compare without white space
    text = "".join(out.getvalue().split())
    assert f"Iread{path}withoutrunningit." in text
    assert f"Found,readfrom{path}:" in text
    assert f"-thelastlayerendsinasoftmax({path}:9:model=nn.Sequential(" in text
    assert f"for:thelastlayerendsinasoftmax({path}:9:model=nn.Sequential(" in text


def test_words_that_read_nothing_get_no_ranking(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--say", "asdf qwer"]) == 0
    out = capsys.readouterr().out
    assert "Found: nothing yet. I have nothing to go on yet, so I will not guess" in out
    assert "confidence" not in out
