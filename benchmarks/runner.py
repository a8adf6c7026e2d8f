"""Script-runner benchmark: what watching costs per step, and how long `unstuck run` takes.

1. Watch overhead: one training step of a 100k-parameter MLP (batch 64, CPU) timed with the
   watcher installed and without it, in the same process, in alternating rounds; the figure
   is the ratio of the fastest round of each (on a shared machine other work only ever adds
   time, so the fastest round is the least disturbed), with the medians printed beside it
   (goal: at most 1.10, i.e. watching costs at most 10%).
2. Time to report: `unstuck run SCRIPT.py --json` on a script whose own start-up takes 2 s
   (it sleeps, then trains), wall clock from the command to the printed report (goal: at
   most 30 s on this machine).

    .venv/bin/python benchmarks/runner.py            # both, printed as a table
    .venv/bin/python benchmarks/runner.py --json     # the figures as one object
    .venv/bin/python benchmarks/runner.py --steps 200 --rounds 5

Exit status 0 when both goals are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from probes.watch.hooks import Watcher

OVERHEAD_GOAL = 1.10
REPORT_GOAL_SECONDS = 30.0
STARTUP_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[1]

SLOW_START_SCRIPT = f"""
import time
import torch
from torch import nn

time.sleep({STARTUP_SECONDS})  # the script's own start-up: reading data, building things
torch.manual_seed(0)
X = torch.randn(4000, 32)
y = (X @ torch.randn(32, 4)).argmax(dim=1)
model = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 4))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(100):
    model.train()
    for start in range(0, 3200, 64):
        optimizer.zero_grad()
        loss_fn(model(X[start : start + 64]), y[start : start + 64]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        loss_fn(model(X[3200:]), y[3200:])
"""


def mlp() -> nn.Module:
    """About 100k parameters: 256*256 + 256*128 + 128*10 weights and their biases."""
    return nn.Sequential(
        nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )


def overhead(steps: int, rounds: int) -> dict[str, float]:
    """Seconds per step with and without the watcher, timed in alternating short chunks of
    the same loop on the same model, so that both see the same load on a shared machine."""
    torch.manual_seed(0)
    model = mlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    inputs, targets = torch.randn(64, 256), torch.randint(0, 10, (64,))

    def chunk() -> float:
        started = time.perf_counter()
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(inputs), targets).backward()
            optimizer.step()
        return (time.perf_counter() - started) / steps

    chunk()  # warm up: the first steps allocate
    plain, watched = [], []
    watcher = Watcher()  # one watch, entered for every other chunk: its steps add up
    for _ in range(rounds):
        plain.append(chunk())
        with watcher:
            watched.append(chunk())
    plain_ms, watched_ms = min(plain) * 1000, min(watched) * 1000
    plain_median, watched_median = statistics.median(plain), statistics.median(watched)
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "plain_ms_per_step": round(plain_ms, 3),  # fastest chunk
        "watched_ms_per_step": round(watched_ms, 3),
        "ratio": round(watched_ms / plain_ms, 3),
        "median_ratio": round(watched_median / plain_median, 3),
    }


def time_to_report() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "slow_start.py"
        script.write_text(SLOW_START_SCRIPT, encoding="utf-8")
        started = time.perf_counter()
        finished = subprocess.run(
            [sys.executable, "-m", "assistant.main", "run", str(script), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        seconds = time.perf_counter() - started
    report = json.loads(finished.stdout) if finished.returncode == 0 else {}
    return {
        "seconds": round(seconds, 2),
        "script_startup_seconds": STARTUP_SECONDS,
        "exit_code": finished.returncode,
        "probes": len(report.get("probes", [])),
        "found": report.get("found", []),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per timed chunk")
    parser.add_argument("--rounds", type=int, default=100, help="alternating chunks")
    parser.add_argument("--json", action="store_true", help="print the figures as one object")
    args = parser.parse_args()
    torch.set_num_threads(1)
    o, r = overhead(args.steps, args.rounds), time_to_report()
    met = (
        o["ratio"] <= OVERHEAD_GOAL and r["exit_code"] == 0 and r["seconds"] <= REPORT_GOAL_SECONDS
    )
    if args.json:
        print(json.dumps({"overhead": o, "report": r, "goals_met": met}, indent=2))
    else:
        print(f"watch overhead, {o['parameters']:,}-parameter MLP, batch 64, one thread:")
        print(f"  plain   {o['plain_ms_per_step']:.3f} ms/step")
        print(f"  watched {o['watched_ms_per_step']:.3f} ms/step")
        print(f"  ratio   {o['ratio']:.3f}  (goal <= {OVERHEAD_GOAL})")
        print(f"  ratio of the medians {o['median_ratio']:.3f}")
        print(f"unstuck run to report, script start-up {STARTUP_SECONDS:g} s:")
        print(
            f"  {r['seconds']} s, {r['probes']} probes, exit {r['exit_code']} "
            f"(goal <= {REPORT_GOAL_SECONDS:g} s)"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
