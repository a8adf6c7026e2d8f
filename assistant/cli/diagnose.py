"""`unstuck diagnose`: the whole dialogue without a person, printed as text or JSON."""

from __future__ import annotations

from typing import TextIO

from assistant.cli import plain
from assistant.cli.files import read_json, write
from assistant.cli.targets import check_target_path, engine
from assistant.core.errors import UsageError
from assistant.drive import headless
from assistant.drive.driver import ProbeDriver, table_target
from assistant.drive.script_reading import plain_script


def diagnose(
    out: TextIO,
    *,
    target: str | None = None,
    say: str | None = None,
    answers: str | None = None,
    data: str | None = None,
    label: str | None = None,
    curve: str | None = None,
    as_json: bool = False,
    timeout: float | None = None,
) -> int:
    """Run the diagnosis; ``answers`` is the path of a JSON file of fact or question ids."""
    by_id = _answers(answers)
    spec = _target_spec(target, data, label)
    driver = None
    check_target_path(spec)
    script = plain_script(spec)
    if script is not None:
        spec = None  # read, never run: no probe can load a script without experiment()
    if spec is not None or curve is not None:
        driver = ProbeDriver(spec, curve=curve, timeout=timeout)
    _, result = headless.run(
        engine(),
        say=say,
        answers=by_id,
        target=driver.name if driver else None,
        target_keys=driver.keys if driver else None,
        probe_runner=driver.run if driver else None,
        script=script,
    )
    if as_json:
        write(out, result.model_dump_json(indent=2))
    else:
        write(out, plain.outcome(result))
    return 0


def _answers(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    raw = read_json(path, "the answers")
    if not isinstance(raw, dict):
        raise UsageError(
            f"the answers file '{path}' holds a {type(raw).__name__}; expected an object "
            'mapping fact or question ids to values, such as {"loss_trend": "flat"}'
        )
    return {str(k): v for k, v in raw.items()}


def _target_spec(target: str | None, data: str | None, label: str | None) -> str | None:
    if data is not None:
        if label is None:
            raise UsageError("--data needs --label COL: the name of the label column")
        if target is not None:
            raise UsageError("give either a target file or --data, not both")
        return table_target(data, label)
    if label is not None:
        raise UsageError("--label goes with --data FILE.csv")
    return target
