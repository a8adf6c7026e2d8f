"""`unstuck run SCRIPT.py`: the user's own script runs unchanged, is watched, and is diagnosed
with the same report as `unstuck diagnose`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.main import main, split_script_args

#: Each test runs a script and a diagnosis in child processes: seconds each.
pytestmark = pytest.mark.slow

SCRIPTS = Path(__file__).parents[2] / "examples" / "scripts"
#: The healthy verdict the contract allows besides an empty ``found``.
HEALTHY = {"eval.actually_fine"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(capsys: pytest.CaptureFixture[str], script: str, *extra: str) -> dict[str, Any]:
    code, out, _ = run(capsys, "run", str(SCRIPTS / script), "--json", "--steps", "60", *extra)
    assert code == 0
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("script", "cause"),
    [
        ("dataset_missing_zero_grad.py", "train.missing_zero_grad"),
        ("scheduler_per_batch.py", "train.lr_schedule_collapse"),
        ("main_function_broadcast.py", "train.shape_broadcast"),
        ("train_in_eval_mode.py", "train.mode_mismatch"),
        ("labels_out_of_range.py", "data.label_encoding"),
        ("embbag_double_softmax.py", "model.double_softmax"),  # model(tokens, offsets)
    ],
)
def test_a_script_with_a_known_bug_gets_its_cause_first(
    capsys: pytest.CaptureFixture[str], script: str, cause: str
) -> None:
    result = report(capsys, script)
    assert result["causes"][0]["id"] == cause
    assert result["found"][0] == cause
    assert result["probes"][0]["id"] == "watch"


@pytest.mark.parametrize("script", ["healthy_tensor_loop.py", "gan.py"])
def test_a_healthy_script_raises_no_fault(capsys: pytest.CaptureFixture[str], script: str) -> None:
    result = report(capsys, script)
    assert set(result["found"]) <= HEALTHY
    assert result["probes"][0]["status"] == "pass"


def test_a_healthy_script_without_validation_is_not_called_overfitting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = report(capsys, "healthy_no_validation.py")
    assert set(result["found"]) <= HEALTHY
    assert all("train_valid_gap" not in p["facts"] for p in result["probes"])
    # still ranked (a healthy model shows what an overfitting one does) but never found
    assert "model.overfitting" in [c["id"] for c in result["causes"]]


def test_lightning_trainer_fit_is_watched(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("lightning")
    result = report(capsys, "lightning_fit.py")
    watch = result["probes"][0]
    assert watch["values"]["steps"] == 60
    assert watch["values"]["watched_model"] == "Classifier"
    assert watch["facts"]["zero_grad_called"] == "yes"
    assert set(result["found"]) <= HEALTHY


def test_the_report_follows_the_diagnose_contract_and_says_the_script_ran(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = report(capsys, "healthy_tensor_loop.py")
    assert set(result) >= {"found", "causes", "steps", "probes", "questions_asked", "notes"}
    watch = result["probes"][0]
    assert watch["values"]["steps"] == 60
    assert watch["facts"]["zero_grad_called"] == "yes"
    assert watch["facts"]["crash"] == "none"
    assert watch["values"]["last_loss"] < watch["values"]["first_loss"]
    # one epoch is 38 steps, and each ends with a validation pass under no_grad
    assert watch["values"]["validation_forwards"] == 1
    assert "It ran the model once without gradients (a validation pass)" in watch["finding"]
    assert {p["id"] for p in result["probes"]} >= {"watch", "short_fit", "output_check"}
    assert result["notes"][0].startswith(
        f"unstuck ran {SCRIPTS / 'healthy_tensor_loop.py'} for real (60 optimizer steps "
        "watched, at most 60 steps or 60 s)"
    )


def test_a_gan_says_which_model_it_probed(capsys: pytest.CaptureFixture[str]) -> None:
    watch = report(capsys, "gan.py")["probes"][0]
    assert watch["values"]["models"] == "generator (Sequential), discriminator (Sequential)"
    assert watch["values"]["watched_model"] == "discriminator (Sequential)"
    assert (
        "the probes use discriminator (Sequential), whose output reaches the loss"
        in (watch["finding"])
    )


def test_an_error_before_training_is_read_for_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = report(capsys, "labels_out_of_range.py")
    watch = result["probes"][0]
    assert watch["status"] == "error"
    assert watch["finding"].startswith(
        "The script stopped with an error before any optimizer step: IndexError: Target 10 is "
        "out of bounds. (labels_out_of_range.py, line 16)."
    )
    crash = next(s for s in result["steps"] if s["id"] == "crash")
    assert crash["result"] == "index_out_of_bounds"
    assert "Target 10 is out of bounds" in crash["text"]


def test_a_script_that_needs_arguments_shows_its_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch = report(capsys, "needs_arguments.py")["probes"][0]
    assert watch["status"] == "error"
    assert watch["finding"].startswith(
        "The script exited (sys.exit(2)) before any optimizer step. It needs arguments: give "
        f"them after --, as in unstuck run {SCRIPTS / 'needs_arguments.py'} -- ARGS. Its last "
        "output: usage: needs_arguments.py [-h] --data DATA [--epochs EPOCHS]"
    )


def test_the_scripts_own_arguments_follow_the_double_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = report(capsys, "needs_arguments.py", "--", "--data", "here", "--epochs", "3")
    watch = result["probes"][0]
    assert watch["values"]["steps"] == 3
    assert split_script_args(["run", "a.py", "--steps", "2", "--", "--lr", "1"]) == (
        ["run", "a.py", "--steps", "2"],
        ["--lr", "1"],
    )


def test_a_script_that_never_steps_says_what_it_saw(capsys: pytest.CaptureFixture[str]) -> None:
    watch = report(capsys, "never_steps.py")["probes"][0]
    assert watch["status"] == "warn"
    assert watch["finding"] == (
        "The script ended without calling an optimizer step: it called model (Sequential) 5 "
        "times, without gradients. unstuck watches the training loop; make sure the script "
        "reaches optimizer.step() when run as a script (check its arguments and its __main__ "
        "guard)."
    )


def test_a_hanging_script_is_stopped_at_the_seconds_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch = report(capsys, "hangs_in_data_loading.py", "--seconds", "2")["probes"][0]
    assert watch["finding"].startswith(
        "The script never reached an optimizer step: it was stopped at the --seconds limit of "
        "2 s while in __getitem__ (hangs_in_data_loading.py, line 16)"
    )


def test_dataloader_workers_run_and_the_report_says_what_was_watched(
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch = report(capsys, "loader_workers.py", "--steps", "10")["probes"][0]
    assert watch["values"]["dataloader_workers"] == 2
    assert (
        "The DataLoader used 2 worker processes; unstuck watched the main process only (the "
        "model, the loss and the steps run there)."
    ) in watch["finding"]


def test_distributed_training_is_refused_with_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    watch = report(capsys, "distributed.py")["probes"][0]
    assert watch["finding"] == (
        "The script stopped with an error before any optimizer step: the script starts "
        "distributed training (torch.distributed.init_process_group); unstuck watches one "
        "process only. Run it as one process (no torchrun, world size 1) for the check "
        "(distributed.py, line 9)."
    )


def test_the_script_runs_in_the_callers_folder_and_is_left_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "train.py"
    source = (SCRIPTS / "healthy_tensor_loop.py").read_text(encoding="utf-8")
    script.write_text(
        source + '\nimport pathlib\npathlib.Path("ran_here.txt").write_text("yes")\n',
        encoding="utf-8",
    )
    before = script.read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, _ = run(capsys, "run", str(script), "--steps", "3", "--json")
    assert code == 0
    assert script.read_bytes() == before
    # stopped after 3 steps, so the last line never ran; what it did before that happened
    assert not (work / "ran_here.txt").exists()
    code, _, _ = run(capsys, "run", str(script), "--steps", "100000", "--seconds", "60")
    assert (work / "ran_here.txt").read_text() == "yes"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "missing.py",
            None,
            "error: the script '{path}' does not exist. Give the path of the Python file that "
            "trains your model, as you would run it: unstuck run train.py",
        ),
        (
            "notes.txt",
            "hello",
            "error: '{path}' is not a Python script (expected a .py file); unstuck run runs "
            "Python training scripts. For a notebook, use assistant.notebook.watch()",
        ),
        (
            "broken.py",
            "for x in range(3)\n    pass\n",
            "error: '{path}' is not valid Python: expected ':' (line 1). Fix it so that python "
            "can run it, then try again",
        ),
    ],
)
def test_a_script_that_cannot_run_is_refused_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "run", str(path))
    assert code == 2
    assert out == ""
    assert err.strip() == message.format(path=path)


def test_chat_run_refuses_the_line_chat_with_what_to_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "chat", "--run", str(SCRIPTS / "gan.py"), "--plain")
    assert code == 2
    assert err.strip() == (
        "error: --run opens the terminal app; for a printed report use unstuck run"
    )
