"""Plain training scripts: told apart from targets by parsing, read statically, never run."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.errors import UsageError
from assistant.core.reading.code import how_to_run_checks, is_plain_script, read_code
from assistant.drive.script_reading import read_script

TRAIN_SCRIPT = """\
import torch
from torch import nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(100):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        pytest.param(TRAIN_SCRIPT, True, id="training-script"),
        pytest.param("def experiment():\n    return {}\n", False, id="target"),
        pytest.param("async def experiment():\n    return {}\n", False, id="async-target"),
        pytest.param("from setup import experiment\n", False, id="imported-experiment"),
        pytest.param("experiment = make_experiment\n", False, id="assigned-experiment"),
        pytest.param(
            "class Trainer:\n    def experiment(self):\n        return {}\n",
            True,
            id="method-is-not-top-level",
        ),
        pytest.param("def experiment(:\n", True, id="does-not-parse"),
    ],
)
def test_a_plain_script_is_told_apart_by_parsing(source: str, plain: bool) -> None:
    assert is_plain_script(source) is plain


def test_the_function_name_can_be_chosen() -> None:
    source = "def build():\n    return {}\n"
    assert is_plain_script(source)
    assert not is_plain_script(source, function="build")


def test_deciding_never_imports(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    source = f"open({str(marker)!r}, 'w').write('x')\ndef experiment():\n    return {{}}\n"
    assert not is_plain_script(source)
    assert not marker.exists()


def test_a_script_is_read_with_file_and_line_in_evidence(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(TRAIN_SCRIPT, encoding="utf-8")
    reading = read_script(path)
    assert (
        reading.facts.items()
        >= {
            "output_activation": "sigmoid",
            "loss_function": "bce_with_logits",
            "softmax_into_ce": "yes",
            "zero_grad_called": "yes",
            "epochs": "many",
        }.items()
    )
    assert reading.evidence["output_activation"] == (
        f"{path}:4: model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), "
        "nn.Sigmoid())"
    )


def test_a_script_reads_as_the_same_code_pasted(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(TRAIN_SCRIPT, encoding="utf-8")
    assert read_script(path).facts == read_code(TRAIN_SCRIPT).facts


def test_a_pasted_training_script_says_how_to_run_checks() -> None:
    assert read_code(TRAIN_SCRIPT).notes == [
        "I read the pasted script without running it. To let me run checks on the model "
        "itself, run unstuck run your_script.py (it runs the script for a few training steps "
        "and watches it), or add a function experiment() to it that returns the model, the "
        "data, the loss and the optimizer (see the README), and name it as "
        "your_script.py:experiment."
    ]


def test_a_pasted_model_alone_is_not_told_to_run_checks() -> None:
    model = "model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))\nprint(model)\n"
    assert how_to_run_checks() not in read_code(model).notes


def test_the_reading_says_how_to_run_checks(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(TRAIN_SCRIPT, encoding="utf-8")
    assert read_script(path).notes == [
        f"I read {path} without running it. To let me run checks on the model itself, run "
        f"unstuck run {path} (it runs the script for a few training steps and watches it), "
        "or add a function experiment() to it that returns the model, the data, the loss and "
        f"the optimizer (see the README), and name it as {path}:experiment."
    ]


def test_reading_a_script_never_runs_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "train.py"
    path.write_text(
        f"import os\nos.system('touch {marker}')\nopen({str(marker)!r}, 'w')\n" + TRAIN_SCRIPT,
        encoding="utf-8",
    )
    assert read_script(path).facts["loss_function"] == "bce_with_logits"
    assert not marker.exists()


def test_a_missing_script(tmp_path: Path) -> None:
    path = tmp_path / "trian.py"
    with pytest.raises(UsageError) as caught:
        read_script(path)
    assert str(caught.value) == (
        f"the script '{path}' does not exist. Give the path of the Python training script "
        "(a .py file), relative to where you run unstuck or absolute."
    )


def test_a_folder_is_not_a_script(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read_script(tmp_path)
    assert str(caught.value) == (
        f"'{tmp_path}' is a folder, not a script. Name the Python file that trains the model, "
        "such as train.py."
    )


def test_a_script_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_bytes("# modèle\nmodel = nn.Linear(4, 1)\n".encode("latin-1"))
    with pytest.raises(UsageError) as caught:
        read_script(path)
    assert str(caught.value) == (
        f"the script '{path}' is not UTF-8 text: byte 0xe8 at position 5 does not decode. "
        "Expected a Python source file; save it as UTF-8 (or paste the training code into the "
        "chat instead)."
    )


def test_a_binary_file_is_not_a_script(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_bytes(b"PK\x03\x04\x00\x00weights")
    with pytest.raises(UsageError) as caught:
        read_script(path)
    assert str(caught.value) == (
        f"the script '{path}' holds binary data (NUL bytes), not Python source. Name the .py "
        "file that trains the model, not a checkpoint or a compiled file."
    )


def test_a_file_that_is_not_python(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("age,income,label\n31,42000,1\n45,51000,0\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_script(path)
    assert str(caught.value) == (
        f"'{path}' does not read as Python: it starts with 'age,income,label'. Expected a "
        "Python training script (a .py file that builds the model and runs the training loop)."
    )


def test_an_empty_file_is_not_a_script(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text("", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read_script(path)
    assert "it starts with nothing (the file is empty)" in str(caught.value)
