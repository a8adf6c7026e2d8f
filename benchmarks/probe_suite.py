"""The whole probe suite on a ~100k-parameter MLP through the runner, as users run it.

    .venv/bin/python benchmarks/probe_suite.py

Prints the seconds of each probe, the start-up (forkserver and target load), and the total
(goal: <= 30 s for the whole suite).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

TARGET = """
import torch
from torch import nn

def experiment():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(5000, 64, generator=generator)
    y = (x @ torch.randn(64, 10, generator=generator)).argmax(dim=1)
    model = lambda: nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10),
    )
    return {
        "model": model,
        "train": (x[:4000], y[:4000]),
        "valid": (x[4000:], y[4000:]),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 64,
    }
"""


def main() -> None:
    from probes.runner import close_workers, inspect_target, run_probes

    folder = Path(tempfile.mkdtemp(prefix="unstuck-bench-"))
    spec = str(folder / "suite_target.py")
    Path(spec).write_text(TARGET, encoding="utf-8")
    started = time.perf_counter()
    info = inspect_target(spec)
    loaded = time.perf_counter() - started
    print(f"{'start-up and load':20} {loaded:6.2f} s   {info.summary}")
    results = run_probes(spec)
    for result in results:
        print(f"{result.id:20} {result.seconds:6.2f} s   {result.status:5} {result.finding[:70]}")
    total = time.perf_counter() - started
    print(f"{'total':20} {total:6.2f} s   (probes alone {sum(r.seconds for r in results):.2f} s)")
    close_workers()


if __name__ == "__main__":
    main()
