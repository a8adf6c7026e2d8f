"""`unstuck probe`: run checks on a target, print the report, and post it to a session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from assistant.cli.files import write
from assistant.cli.targets import check_target_path
from assistant.core.errors import UnstuckError, UsageError
from probes.result import ProbeReport, ProbeResult


def probe(
    out: TextIO,
    target: str,
    *,
    only: list[str] | None = None,
    as_json: bool = False,
    out_file: str | None = None,
    server: str | None = None,
    session: str | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
) -> int:
    """Run the probes; 1 when any of them ended in an error, else 0."""
    from probes.runner import run_probes

    check_target_path(target)
    if server and not session:
        raise UsageError("--server needs --session ID (the command the assistant gave you has it)")
    results = run_probes(target, only, timeout=timeout)
    report = ProbeReport(target=target, results=results)
    text = report.model_dump_json(indent=2)
    if out_file:
        Path(out_file).write_text(text + "\n", encoding="utf-8")
    if as_json:
        write(out, text)
    else:
        write(out, _probe_lines(results))
    if server and session:
        _post_report(server, session, api_key, report, out)
    return 1 if any(r.status == "error" for r in results) else 0


def _probe_lines(results: list[ProbeResult]) -> str:
    return "\n".join(f"[{r.status}] {r.id} ({r.seconds:.1f} s): {r.finding}" for r in results)


def _post_report(
    server: str, session_id: str, api_key: str | None, report: ProbeReport, out: TextIO
) -> None:
    import httpx

    key = api_key or os.environ.get("UNSTUCK_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{server.rstrip('/')}/v1/sessions/{session_id}/probe-reports"
    try:
        response = httpx.post(
            url,
            content=report.model_dump_json(),
            headers={**headers, "Content-Type": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise UnstuckError(
            f"could not post the report to {url}: {error}. Is the server running? "
            f"The report is kept: rerun with --out FILE to save it."
        ) from error
    if response.status_code >= 400:
        raise UnstuckError(
            f"the server refused the report ({response.status_code}): {response.text[:300]}"
        )
    write(out, f"Posted {len(report.results)} results to session {session_id}.")
