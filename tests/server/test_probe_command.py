"""The ``unstuck probe`` command the server asks users to run: one builder for every front end."""

from __future__ import annotations

import shlex

import pytest

from server.probe_command import PLACEHOLDER_TARGET, command_text, probe_command, with_token


def test_the_command_names_the_target_the_server_and_the_session() -> None:
    command = probe_command("https://unstuck.example/", "s_abc", "train/experiment.py")
    assert command.argv == [
        "unstuck", "probe", "train/experiment.py",
        "--server", "https://unstuck.example", "--session", "s_abc",
    ]  # fmt: skip
    assert command.line == (
        "unstuck probe train/experiment.py --server https://unstuck.example --session s_abc"
    )
    assert command_text(command) == (
        "These checks need your model and data, which live on your machine. Run this there and "
        "the results join this conversation:\n"
        "unstuck probe train/experiment.py --server https://unstuck.example --session s_abc"
    )


def test_without_a_target_the_command_shows_a_path_to_replace() -> None:
    command = probe_command("https://unstuck.example", "s_abc", None)
    assert command.target == PLACEHOLDER_TARGET == "path/to/your_experiment.py"
    assert command.argv[2] == PLACEHOLDER_TARGET


@pytest.mark.parametrize(
    "target",
    ["my models/train.py", "exp.py:experiment; rm -rf ~", "$(touch owned).py", "it's.py"],
    ids=["space", "semicolon", "substitution", "quote"],
)
def test_a_path_a_shell_would_split_or_run_is_quoted(target: str) -> None:
    command = probe_command("https://unstuck.example", "s_abc", target)
    assert shlex.split(command.line) == command.argv
    assert command.argv[2] == target


def test_a_token_is_added_by_the_front_end_that_holds_it_never_stored() -> None:
    command = probe_command("https://unstuck.example", "s_abc", "exp.py")
    assert "ust1" not in command.model_dump_json()
    assert with_token(command, "ust1.probe.k.s.1.sig")[-2:] == ["--api-key", "ust1.probe.k.s.1.sig"]
