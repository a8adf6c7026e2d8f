"""The command line as a user drives it: exit codes, output and the exact error messages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assistant.cli.chat import plain_chat
from assistant.core.engine import Engine
from assistant.main import main
from knowledge import load


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diagnose_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diagnose", "--say", "my loss is nan after 3 epochs", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"found", "causes", "steps", "probes"}
    assert result["probes"] == []
    confidences = [c["confidence"] for c in result["causes"]]
    assert confidences == sorted(confidences, reverse=True)
    assert {"id", "title", "confidence", "evidence", "fix"} <= set(result["causes"][0])
    assert result["steps"][0] == {
        "kind": "inference",
        "id": "loss_trend",
        "result": "nan",
        "text": "my loss is nan after 3 epochs",
    }
    assert all(s["kind"] in ("probe", "question", "inference") for s in result["steps"])


def test_diagnose_uses_answers_and_treats_the_rest_as_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"loss_trend": "nan", "ask_learning_rate": "very_high"}))
    code, out, _ = run(capsys, "diagnose", "--answers", str(answers), "--json")
    assert code == 0
    result = json.loads(out)
    asked = {s["id"]: s["result"] for s in result["steps"] if s["kind"] == "question"}
    assert set(asked.values()) <= {"nan", "very_high", "unknown"}
    assert result["causes"][0]["id"] == "train.lr_too_high"


def test_diagnose_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diagnose", "--say", "the loss is nan")
    assert code == 0
    assert out.splitlines()[0].startswith("Questions (") or out.startswith("Found:")
    assert "== " in out and "Fix: " in out


def test_unknown_answer_ids_list_the_valid_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"loss_trnd": "flat", "task": "regresion"}))
    code, _, err = run(capsys, "diagnose", "--answers", str(answers))
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == "error: the answers name unknown ids or values:"
    assert lines[1] == "  'loss_trnd' is neither a fact nor a question id"
    assert lines[2] == (
        "  'task': 'regresion' is not a value of fact 'task' "
        "(one of: regression, binary, multiclass, multilabel, unknown)"
    )
    assert lines[3].startswith("Valid fact ids: ") and "loss_trend" in lines[3]
    assert lines[4] == "Question ids are listed by 'unstuck kb questions'."


def test_answers_file_that_is_not_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{loss_trend: flat}")
    code, _, err = run(capsys, "diagnose", "--answers", str(answers))
    assert code == 2
    assert err == (
        f"error: the answers file '{answers}' is not valid JSON (line 1, column 2: Expecting "
        "property name enclosed in double quotes). Expected an object such as "
        '{"loss_trend": "flat", "ask_learning_rate": "high"}.\n'
    )


def test_answers_file_that_is_a_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("[1, 2]")
    code, _, err = run(capsys, "diagnose", "--answers", str(answers))
    assert code == 2
    assert err == (
        f"error: the answers file '{answers}' holds a list; expected an object mapping fact or "
        'question ids to values, such as {"loss_trend": "flat"}\n'
    )


def test_missing_answers_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "--answers", "nowhere.json")
    assert (code, err) == (2, "error: the answers file 'nowhere.json' does not exist\n")


def test_target_path_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "no/such/train.py")
    assert code == 2
    assert err == (
        "error: the target file 'no/such/train.py' does not exist. Give the path of a Python "
        "file that defines experiment() (or name the function: file.py:function).\n"
    )


def test_target_with_function_name_that_does_not_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "diagnose", "no/such/train.py:build")
    assert code == 2
    assert err.startswith("error: the target file 'no/such/train.py' does not exist.")


def test_target_with_a_colon_and_no_function(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "probe", "train.py:")
    assert code == 2
    assert err == (
        "error: the target 'train.py:' ends with ':' but names no function; expected "
        "path/to/file.py or path/to/file.py:function. Drop the ':' to use experiment().\n"
    )


def test_label_without_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "--label", "y")
    assert (code, err) == (2, "error: --label goes with --data FILE.csv\n")


def test_data_without_label(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "--data", "t.csv")
    assert (code, err) == (2, "error: --data needs --label COL: the name of the label column\n")


def test_kb_check_passes_on_the_bundled_knowledge(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kb", "check")
    assert code == 0 and out.startswith("knowledge base OK: ")


def test_kb_check_names_file_and_field(capsys: pytest.CaptureFixture[str], kb_dir: Path) -> None:
    path = kb_dir / "causes" / "all.yaml"
    path.write_text(path.read_text().replace("prior: 0.1", "prior: 1.5", 1))
    code, _, err = run(capsys, "kb", "check", "--path", str(kb_dir))
    assert code == 1
    assert err == (
        "error: the knowledge base has 1 problem:\n"
        "  knowledge/causes/all.yaml: causes[0].prior: Input should be less than 1\n"
    )


def test_kb_lists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kb", "facts")
    assert code == 0 and out.startswith("loss_trend: flat | slow")
    code, out, _ = run(capsys, "kb", "questions")
    assert code == 0 and "(fact loss_trend)" in out


def test_plain_chat_over_a_pipe() -> None:
    stdin = io.StringIO("the loss is nan\nwhy\nundo\nundo\n")
    out = io.StringIO()
    assert plain_chat(None, stdin, out) == 0
    text = out.getvalue()
    assert text.startswith("Hi, I'm unstuck.")
    assert "Noted: the loss becomes NaN or inf." in text
    assert "Where I stand:" in text
    assert "Done: I took back your last step." in text
    assert "There is nothing to undo yet: you have not said anything." in text


def test_plain_chat_reasks_a_wrong_choice(kb_dir: Path) -> None:
    stdin = io.StringIO("the loss is flat\n42\n2\n")
    out = io.StringIO()
    plain_chat(None, stdin, out, Engine(load(kb_dir)))
    assert out.getvalue().splitlines()[2:] == [
        "Noted: the loss is flat.",
        "",
        "What does the model predict?",
        "  1. a number",
        "  2. a class",
        "'42' is not one of the answers to \"What does the model predict?\". Pick one of: 1. a",
        "  number, 2. a class; or say 'skip' if you don't know.",
        "",
        "What does the model predict?",
        "  1. a number",
        "  2. a class",
        "Is the learning rate high?",
        "  1. high",
        "  2. normal",
    ]


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2 and out.startswith("usage: unstuck")


def test_data_with_a_label_that_is_not_a_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = tmp_path / "table.csv"
    table.write_text("a;b;y\n1;2;0\n3;4;1\n")
    code, _, err = run(capsys, "diagnose", "--data", str(table), "--label", "zz")
    assert code == 2
    assert err == (
        "error: 'label' names the column 'zz', which 'train' does not have; columns: a, b, y\n"
    )


def test_data_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "--data", "nowhere.csv", "--label", "y")
    assert (code, err) == (
        2,
        "error: the table 'nowhere.csv' does not exist. Give the path of a CSV or Parquet file.\n",
    )


def test_curve_file_feeds_the_diagnosis(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    curve = tmp_path / "metrics.csv"
    rows = ["epoch,train_loss,val_loss"] + [f"{i},0.693,0.694" for i in range(20)]
    curve.write_text("\n".join(rows) + "\n")
    code, out, _ = run(capsys, "diagnose", "--curve", str(curve), "--json")
    assert code == 0
    result = json.loads(out)
    (probe,) = result["probes"]
    assert probe["id"] == "curve" and probe["facts"]["loss_trend"] == "flat"
    assert probe["seconds"] > 0


def test_curve_file_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diagnose", "--curve", "nowhere.csv")
    assert code == 2
    assert err == (
        "error: the curve file 'nowhere.csv' does not exist. Give a metrics CSV, a Keras "
        "history JSON, or a text file of numbers.\n"
    )


@pytest.mark.parametrize("workers", ["0", "two"])
def test_serve_refuses_a_worker_count_below_one(
    capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--workers", workers])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        f"unstuck serve: error: argument --workers: expected a whole number of at least 1, "
        f"got '{workers}'\n"
    )


def test_serve_names_each_wrong_setting_before_starting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSTUCK_TURNS_ON_LOOP", "maybe")
    monkeypatch.setenv("UNSTUCK_RATE_LIMIT", "lots")
    code, _, err = run(capsys, "serve")
    assert code == 2
    assert err == (
        "error: the service settings are wrong: UNSTUCK_RATE_LIMIT='lots': Input should be a "
        "valid integer, unable to parse string as an integer; UNSTUCK_TURNS_ON_LOOP='maybe': "
        "Input should be a valid boolean, unable to interpret input. Fix the environment "
        "variables (README.md lists every setting) and start again.\n"
    )


def test_revoke_key_names_each_wrong_setting_before_touching_the_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSTUCK_RATE_LIMIT", "lots")
    code, _, err = run(capsys, "revoke-key", "some-key-0123456789")
    assert code == 2
    assert err == (
        "error: the service settings are wrong: UNSTUCK_RATE_LIMIT='lots': Input should be a "
        "valid integer, unable to parse string as an integer. Fix the environment variables "
        "(README.md lists every setting) and run it again.\n"
    )
