"""Complaints benchmark: real forum complaints, words only, through the headless diagnosis.

Each complaint of the JSON file (id -> ``{"say": ..., "expect": [cause ids], ...}``) is diagnosed
as ``unstuck diagnose --say TEXT --json`` does: the words alone, every question answered "don't
know". A complaint counts as named first (or in the top 3) when one of its expected causes is
first in the ranking (or among the first three). Healthy complaints (``eval.actually_fine``
alone) must get no confident fault. It also times ``TextReader.read`` on the complaints.

    .venv/bin/python benchmarks/complaints.py [--file PATH] [--verbose]
        [--only odd|even|tune|held-out]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, RootModel

from assistant.core.engine import Engine
from assistant.core.reading import TextReader, text_model
from assistant.drive.headless import run
from knowledge.loader import KnowledgeBase, bundled
from knowledge.types import CauseId

DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "complaints" / "dev.json"
HEALTHY: CauseId = "eval.actually_fine"
TOP = 3
READS = 20
"""How many times each complaint is read for the timing."""


class Complaint(BaseModel):
    model_config = ConfigDict(frozen=True)

    say: str
    """The complaint in the user's words."""
    expect: list[CauseId]
    """The causes the thread established: naming any of them counts."""
    source: str = ""
    why: str = ""


Complaints = RootModel[dict[str, Complaint]]


@dataclass(frozen=True)
class Result:
    id: str
    expect: list[CauseId]
    ranking: list[CauseId]
    found: list[CauseId]

    @property
    def first(self) -> bool:
        return bool(self.ranking) and self.ranking[0] in self.expect

    @property
    def top(self) -> bool:
        return any(cause in self.expect for cause in self.ranking[:TOP])

    @property
    def in_found(self) -> bool:
        return any(cause in self.expect for cause in self.found)

    @property
    def healthy(self) -> bool:
        return self.expect == [HEALTHY]

    @property
    def false_alarm(self) -> bool:
        return self.healthy and any(cause != HEALTHY for cause in self.found)


def load(path: Path) -> dict[str, Complaint]:
    return Complaints.model_validate(json.loads(path.read_text(encoding="utf-8"))).root


PARTS = ("odd", "even", "tune", "held-out")
"""Ways to cut the complaints by the number in their id: odd or even halves; ``held-out``, the
third whose number is a multiple of 3, kept apart while tuning the reader on ``tune``, the other
two thirds, so an overfit shows as a gap between the two."""


def half(complaints: dict[str, Complaint], which: str | None) -> dict[str, Complaint]:
    """The complaints of one part (``PARTS``), or all."""
    if which is None:
        return complaints
    keep = {
        "odd": lambda n: n % 2 == 1,
        "even": lambda n: n % 2 == 0,
        "held-out": lambda n: n % 3 == 0,
        "tune": lambda n: n % 3 != 0,
    }[which]
    return {
        cid: c for cid, c in complaints.items() if keep(int("".join(filter(str.isdigit, cid)) or 0))
    }


def diagnose(engine: Engine, cid: str, complaint: Complaint) -> Result:
    _, outcome = run(engine, say=complaint.say)
    return Result(
        id=cid,
        expect=list(complaint.expect),
        ranking=[cause.id for cause in outcome.causes],
        found=list(outcome.found),
    )


def read_times(kb: KnowledgeBase, texts: Sequence[str]) -> tuple[float, float]:
    """p50 and p99 of one ``TextReader.read``, in milliseconds, each a first read: the text
    model is trained beforehand, and its memory of guesses emptied before every read."""
    reader = TextReader(kb)
    model = text_model()
    times: list[float] = []
    for _ in range(READS):
        for text in texts:
            model.seen.clear()
            start = time.perf_counter()
            reader.read(text)
            times.append((time.perf_counter() - start) * 1000.0)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def report(results: Sequence[Result], title: str) -> str:
    n = len(results)
    if n == 0:
        return f"{title}: no complaints"
    healthy = [r for r in results if r.healthy]
    alarms = sum(r.false_alarm for r in healthy)
    return (
        f"{title} ({n} complaints): first {_pct(sum(r.first for r in results), n)}, "
        f"top {TOP} {_pct(sum(r.top for r in results), n)}, "
        f"in found {_pct(sum(r.in_found for r in results), n)}, "
        f"healthy with a confident fault {alarms}/{len(healthy)}"
    )


def _pct(count: int, total: int) -> str:
    return f"{count}/{total} = {100.0 * count / total:.0f}%"


def miss_lines(results: Sequence[Result]) -> list[str]:
    return [
        f"  {r.id}: expected {', '.join(r.expect)}; got {', '.join(r.ranking[:TOP])}"
        + (f" (found: {', '.join(r.found)})" if r.found else "")
        for r in results
        if not r.first
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEV, help=f"complaints (default {DEV})")
    parser.add_argument("--only", choices=PARTS, help="one part of the complaints")
    parser.add_argument("--verbose", action="store_true", help="a line for every complaint")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"No complaints file at {args.file}: name one with --file PATH.", file=sys.stderr)
        return 2
    complaints = half(load(args.file), args.only)
    kb = bundled()
    engine = Engine(kb)
    results = [diagnose(engine, cid, c) for cid, c in complaints.items()]
    print(report(results, "all"))
    if args.only is None:
        for part in PARTS:
            print(report([r for r in results if r.id in half(complaints, part)], part))
    lines = (
        [
            f"  {r.id}: expected {', '.join(r.expect)}; got {', '.join(r.ranking[:TOP])}"
            for r in results
        ]
        if args.verbose
        else miss_lines(results)
    )
    if lines:
        print("every complaint:" if args.verbose else "not named first:")
        print("\n".join(lines))
    p50, p99 = read_times(kb, [c.say for c in complaints.values()])
    print(f"reading: p50 {p50:.2f} ms, p99 {p99:.2f} ms per complaint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
