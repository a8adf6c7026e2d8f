"""Time and memory of the data probes on a large generated table.

    .venv/bin/python benchmarks/data_probes.py [--rows 1000000] [--columns 20]

Each probe runs in a child process of its own, so its peak memory (the resident set size that
``resource.getrusage`` reports, which sees what numpy and pandas allocate) is its own. Prints one
line per probe and the total against the goal: 15 s and 2 GB. Exits 1 when the goal is missed.
CPU seconds are printed too: on a machine shared with other work they show the probes' own cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_SECONDS = 15.0
GOAL_BYTES = 2 * 1024**3
PROBES = ("data_checks", "baselines")


def generate(rows: int, columns: int, seed: int = 0) -> pd.DataFrame:
    """Mostly standardised floats, plus the kinds of column real tables have: codes, a wide
    column, a few missing values; a binary label that depends on three columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, columns - 3)).astype(np.float64),
        columns=[f"x{i}" for i in range(columns - 3)],
    )
    frame["region"] = rng.integers(0, 12, size=rows)
    frame["income"] = rng.lognormal(10, 0.5, size=rows)
    frame["age"] = rng.integers(18, 90, size=rows)
    frame.loc[rng.random(rows) < 0.01, "x1"] = np.nan
    signal = frame["x0"] + 0.5 * frame["x2"].fillna(0) + 0.3 * (frame["region"] % 3)
    frame["label"] = (signal + rng.normal(size=rows) > 0.3).astype(np.int64)
    return frame


def run_child(probe: str, rows: int, columns: int) -> dict[str, object]:
    """Generate the table, run one probe, report its seconds and the process's peak memory."""
    from probes.registry import PROBES as DATA_PROBES
    from probes.target import Target

    frame = generate(rows, columns)
    target = Target.from_frame(frame, "label", source="benchmark")
    started, cpu = time.perf_counter(), time.process_time()
    result = DATA_PROBES[probe](target, lambda progress: None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "probe": probe,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_bytes": peak_kib * 1024,
        "table_bytes": int(frame.memory_usage(deep=True).sum()),
        "status": result.status,
        "facts": result.facts,
    }


def run_parent(rows: int, columns: int) -> int:
    print(f"data probes on {rows:,} rows x {columns} columns (one child process per probe)")
    reports = []
    for probe in PROBES:
        command = [sys.executable, __file__, "--child", probe, f"--rows={rows}"]
        command.append(f"--columns={columns}")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        report = json.loads(done.stdout.strip().splitlines()[-1])
        reports.append(report)
        print(
            f"  {probe:<12} {report['seconds']:6.2f} s (cpu {report['cpu_seconds']:5.2f} s)   "
            f"peak {_gib(report['peak_bytes'])}   "
            f"{report['status']}: {report['facts']}"
        )
    seconds = sum(float(report["seconds"]) for report in reports)
    cpu = sum(float(report["cpu_seconds"]) for report in reports)
    peak = max(int(report["peak_bytes"]) for report in reports)
    table = _gib(int(reports[0]["table_bytes"]))
    met = seconds <= GOAL_SECONDS and peak <= GOAL_BYTES
    print(
        f"  total        {seconds:6.2f} s (cpu {cpu:5.2f} s)   peak {_gib(peak)} (table {table})"
        f"   goal <= {GOAL_SECONDS:.0f} s and <= {_gib(GOAL_BYTES)}: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


def _gib(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--child", choices=PROBES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.rows, args.columns)))
        return 0
    return run_parent(args.rows, args.columns)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
