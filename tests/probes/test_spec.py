"""One reading of ``path/to/file.py[:function]`` for every layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.errors import TargetError
from probes.spec import DEFAULT_FUNCTION, TargetSpec, TargetSpecError, parse_target_spec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        pytest.param("train.py", TargetSpec("train.py", "experiment"), id="file-alone"),
        pytest.param("train.py:make", TargetSpec("train.py", "make"), id="file-and-function"),
        pytest.param("a:b/train.py:_run", TargetSpec("a:b/train.py", "_run"), id="colon-in-path"),
        pytest.param("C:\\work\\train.py", TargetSpec("C:\\work\\train.py"), id="windows-drive"),
        pytest.param(":experiment", TargetSpec(":experiment"), id="no-file-before-colon"),
    ],
)
def test_a_spec_names_a_file_and_a_function(text: str, spec: TargetSpec) -> None:
    assert parse_target_spec(text) == spec


def test_an_existing_file_with_a_colon_in_its_name_is_taken_whole(tmp_path: Path) -> None:
    file = tmp_path / "run:1.py"
    file.write_text("", encoding="utf-8")
    assert parse_target_spec(str(file)) == TargetSpec(str(file), DEFAULT_FUNCTION)


def test_a_spec_prints_as_file_and_function() -> None:
    assert str(TargetSpec("train.py")) == "train.py:experiment"
    assert TargetSpec("dir/train.py").file == Path("dir/train.py")


def test_a_colon_with_no_function_says_what_to_type() -> None:
    with pytest.raises(TargetSpecError) as raised:
        parse_target_spec("train.py:")
    assert str(raised.value) == (
        "the target 'train.py:' ends with ':' but names no function; expected path/to/file.py "
        "or path/to/file.py:function. Drop the ':' to use experiment()."
    )


def test_a_function_name_that_is_no_identifier_is_named() -> None:
    with pytest.raises(TargetError) as raised:
        parse_target_spec("train.py:2nd-try")
    assert str(raised.value) == (
        "'2nd-try' in the target 'train.py:2nd-try' is not a Python function name; expected "
        "path/to/file.py or path/to/file.py:function"
    )
