"""Case-library benchmark: `unstuck diagnose` on every broken and healthy setup in examples/.

Each case in ``examples/cases.yaml`` (or in the cases file ``--cases`` names, such as the
held-out set ``examples/holdout/cases.yaml``) is diagnosed end to end, as a user would run it:

    unstuck diagnose examples/<file> --say "<description>" --json

and scored against the causes the case is labelled with. A case lists its main cause first
and may accept alternatives after it; both are scored, the main cause on its own and "main or
an accepted alternative". Broken cases are scored twice, because the ranking and what the user
is told can disagree (a cause can top the ranking at low confidence while ``found`` is empty
and the user reads "no cause stands out clearly"):

- the ranking of every candidate: top-1 and top-3;
- what the user is told: the expected cause is in ``found``; and how many broken cases had
  nothing found (``found`` empty or ``eval.actually_fine`` alone);
- false alarms: healthy cases whose ``found`` holds anything but ``eval.actually_fine``, the
  same ``found`` the broken cases are scored on;
- seconds per diagnosis (wall clock of the whole command, start-up included).

The complaint is each case's ``description`` by default. ``--say-from paraphrases`` uses
``examples/paraphrases.yaml`` instead: every complaint said again in fresh words by someone
who had not seen the knowledge base's phrases, to measure how much the figures owe to the
library's own wording.

    .venv/bin/python benchmarks/case_library.py                 # every case, one at a time
    .venv/bin/python benchmarks/case_library.py --jobs 2        # two at a time (slower each)
    .venv/bin/python benchmarks/case_library.py --only data_no_signal model_dead_relu
    .venv/bin/python benchmarks/case_library.py --json          # the figures as one object
    .venv/bin/python benchmarks/case_library.py --cases examples/holdout/cases.yaml --jobs 2
    .venv/bin/python benchmarks/case_library.py --set realistic   # examples/realistic/cases.yaml
    .venv/bin/python benchmarks/case_library.py --say-from paraphrases --jobs 2
    .venv/bin/python benchmarks/case_library.py --rescore saved.json   # score saved --json runs

Exit status 0 when every goal is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CASES_FILE = EXAMPLES / "cases.yaml"
#: The case sets ``--set`` names, each a cases file.
SETS = {
    "library": CASES_FILE,
    "holdout": EXAMPLES / "holdout" / "cases.yaml",
    "realistic": EXAMPLES / "realistic" / "cases.yaml",
}
PARAPHRASES_FILE = EXAMPLES / "paraphrases.yaml"
ACTUALLY_FINE = "eval.actually_fine"
TIMEOUT_S = 300

GOAL_TOP1 = 0.90
GOAL_TOP3 = 0.97
GOAL_FOUND = 0.90
GOAL_FALSE_ALARMS = 0
GOAL_MEDIAN_S = 20.0


@dataclass(frozen=True)
class Case:
    file: str
    expected: list[str]
    description: str
    form: str
    epochs: int | None = None
    calibrated: bool = False
    """A fix was tuned on this case, so its figures are in-sample even in a held-out set."""
    folder: Path = CASES_FILE.parent
    """The folder ``file`` is relative to: the one its cases file lies in."""

    @property
    def name(self) -> str:
        return Path(self.file).stem

    @property
    def healthy(self) -> bool:
        return not [c for c in self.expected if c != ACTUALLY_FINE]

    @property
    def example(self) -> str:
        """The case file relative to examples/, the key of its paraphrase."""
        path = (self.folder / self.file).resolve()
        return path.relative_to(EXAMPLES).as_posix() if path.is_relative_to(EXAMPLES) else self.file


@dataclass
class Run:
    """One diagnosis of one case."""

    case: str
    expected: list[str]
    healthy: bool
    seconds: float
    calibrated: bool = False
    ranking: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def rank(self) -> int | None:
        """1-based rank of the best-placed expected cause (main or accepted); None if unranked."""
        ranks = [self.ranking.index(c) + 1 for c in self.expected if c in self.ranking]
        return min(ranks) if ranks else None

    @property
    def main_rank(self) -> int | None:
        """1-based rank of the main cause (listed first); None when it is not ranked."""
        main = self.expected[0] if self.expected else None
        return self.ranking.index(main) + 1 if main in self.ranking else None

    @property
    def top1(self) -> bool:
        return self.rank == 1

    @property
    def top3(self) -> bool:
        return self.rank is not None and self.rank <= 3

    @property
    def main_top1(self) -> bool:
        return self.main_rank == 1

    @property
    def main_top3(self) -> bool:
        return self.main_rank is not None and self.main_rank <= 3

    @property
    def told(self) -> bool:
        """An expected cause (main or accepted) is in ``found``: the user is told of it."""
        return bool(set(self.expected) & set(self.found))

    @property
    def main_told(self) -> bool:
        return bool(self.expected) and self.expected[0] in self.found

    @property
    def nothing_found(self) -> bool:
        """``found`` names no fault: the user hears that no cause stands out, or all is fine."""
        return not set(self.found) - {ACTUALLY_FINE}

    @property
    def false_alarm(self) -> bool:
        return self.healthy and not self.nothing_found


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    folder = path.resolve().parent
    return [Case(**entry, folder=folder) for entry in entries]


def read_paraphrases(path: Path = PARAPHRASES_FILE) -> dict[str, str]:
    """Fresh wording of each complaint, by case file relative to examples/."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["paraphrases"]
    return {entry["file"]: entry["say"] for entry in entries}


def complaints(cases: Sequence[Case], say_from: str) -> list[str]:
    """What each case's user says: its own description, or its paraphrase."""
    if say_from == "complaints":
        return [case.description for case in cases]
    paraphrases = read_paraphrases()
    missing = [case.example for case in cases if case.example not in paraphrases]
    if missing:
        raise KeyError(f"no paraphrase in {PARAPHRASES_FILE.name} for {', '.join(missing)}")
    return [paraphrases[case.example] for case in cases]


def target_path(case: Case) -> str:
    """The case file as a user would name it from the checkout's root."""
    path = case.folder / case.file
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def diagnose(case: Case, say: str) -> Run:
    command = [
        sys.executable,
        "-m",
        "assistant.main",
        "diagnose",
        target_path(case),
        "--say",
        say,
        "--json",
    ]
    run = Run(
        case=case.name,
        expected=case.expected,
        healthy=case.healthy,
        seconds=0.0,
        calibrated=case.calibrated,
    )
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        run.seconds = time.perf_counter() - started
        run.error = f"no answer within {TIMEOUT_S} s"
        return run
    run.seconds = time.perf_counter() - started
    if done.returncode != 0:
        run.error = f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
        return run
    outcome = json.loads(done.stdout)
    run.ranking = [cause["id"] for cause in outcome["causes"]]
    run.found = list(outcome["found"])
    return run


def diagnose_all(cases: Sequence[Case], says: Sequence[str], jobs: int) -> list[Run]:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(diagnose, cases, says))


def read_runs(path: Path) -> list[Run]:
    """Runs saved by ``--json``, to score them again without diagnosing."""
    saved = json.loads(path.read_text(encoding="utf-8"))["runs"]
    names = {f.name for f in fields(Run)}
    return [Run(**{k: v for k, v in run.items() if k in names}) for run in saved]


@dataclass
class Figures:
    broken: int
    healthy: int
    main_top1: float
    """Broken cases whose main cause tops the ranking."""
    main_top3: float
    main_found: float
    """Broken cases whose main cause is in ``found``."""
    top1: float
    """Broken cases whose main cause or an accepted alternative tops the ranking."""
    top3: float
    found: float
    """Broken cases with the main cause or an accepted alternative in ``found``."""
    nothing_found: int
    """Broken cases with no fault in ``found``."""
    false_alarms: int
    errors: int
    median_s: float
    max_s: float

    @property
    def goals_met(self) -> bool:
        return (
            self.top1 >= GOAL_TOP1
            and self.top3 >= GOAL_TOP3
            and self.found >= GOAL_FOUND
            and self.false_alarms <= GOAL_FALSE_ALARMS
            and self.median_s <= GOAL_MEDIAN_S
            and self.errors == 0
        )


def figures(runs: Sequence[Run]) -> Figures:
    broken = [r for r in runs if not r.healthy]
    seconds = [r.seconds for r in runs] or [0.0]
    return Figures(
        broken=len(broken),
        healthy=len(runs) - len(broken),
        main_top1=_share(r.main_top1 for r in broken),
        main_top3=_share(r.main_top3 for r in broken),
        main_found=_share(r.main_told for r in broken),
        top1=_share(r.top1 for r in broken),
        top3=_share(r.top3 for r in broken),
        found=_share(r.told for r in broken),
        nothing_found=sum(r.nothing_found for r in broken),
        false_alarms=sum(r.false_alarm for r in runs),
        errors=sum(r.error is not None for r in runs),
        median_s=statistics.median(seconds),
        max_s=max(seconds),
    )


def _share(hits: Any) -> float:
    values = list(hits)
    return sum(values) / len(values) if values else 0.0


def line(run: Run) -> str:
    if run.error:
        verdict = f"ERROR {run.error}"
    elif run.healthy:
        verdict = "FALSE ALARM" if run.false_alarm else "ok"
    else:
        ranked = {1: "top-1"}.get(run.rank or 0, f"rank {run.rank}" if run.rank else "missed")
        verdict = f"{ranked}, {'found' if run.told else 'NOT FOUND'}"
    top3 = ", ".join(run.ranking[:3])
    found = ", ".join(run.found) or "-"
    return (
        f"{run.case:34s} {verdict:19s} {run.seconds:6.1f} s  "
        f"expected {', '.join(run.expected) or 'nothing'} | top 3: {top3} | found: {found}"
    )


def summary(result: Figures) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return "\n".join(
        [
            f"cases: {result.broken} broken, {result.healthy} healthy, {result.errors} errors",
            "broken cases, ranking of every candidate (main cause | main or accepted):",
            f"  top-1:        {result.main_top1:6.1%} | {result.top1:6.1%}  "
            f"(goal >= {GOAL_TOP1:.0%}) {mark(result.top1 >= GOAL_TOP1)}",
            f"  top-3:        {result.main_top3:6.1%} | {result.top3:6.1%}  "
            f"(goal >= {GOAL_TOP3:.0%}) {mark(result.top3 >= GOAL_TOP3)}",
            "broken cases, what the user is told (found):",
            f"  found:        {result.main_found:6.1%} | {result.found:6.1%}  "
            f"(goal >= {GOAL_FOUND:.0%}) {mark(result.found >= GOAL_FOUND)}",
            f"  nothing found: {result.nothing_found:5d} of {result.broken}",
            f"false alarms: {result.false_alarms:6d}  (goal {GOAL_FALSE_ALARMS}) "
            f"{mark(result.false_alarms <= GOAL_FALSE_ALARMS)}",
            f"median:       {result.median_s:6.1f} s (goal <= {GOAL_MEDIAN_S:.0f} s) "
            f"{mark(result.median_s <= GOAL_MEDIAN_S)}",
            f"max:          {result.max_s:6.1f} s",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=1, help="diagnoses at a time (default 1)")
    parser.add_argument("--only", nargs="+", metavar="CASE", help="case names (file stems)")
    parser.add_argument("--json", action="store_true", help="print the runs and figures as JSON")
    parser.add_argument(
        "--cases",
        type=Path,
        default=CASES_FILE,
        metavar="PATH",
        help="cases file; its files are relative to its folder (default: examples/cases.yaml)",
    )
    parser.add_argument(
        "--set",
        choices=tuple(SETS),
        help="a named cases file: library (examples/cases.yaml), holdout or realistic",
    )
    parser.add_argument(
        "--say-from",
        choices=("complaints", "paraphrases"),
        default="complaints",
        help="the cases' own complaints (default) or examples/paraphrases.yaml",
    )
    parser.add_argument(
        "--rescore",
        type=Path,
        metavar="PATH",
        help="score the runs a --json output saved in PATH instead of diagnosing",
    )
    args = parser.parse_args(argv)
    if args.set is not None:
        if args.cases != CASES_FILE:
            parser.error("--set and --cases both name a cases file; give one of them")
        args.cases = SETS[args.set]
    cases = read_cases(args.cases)
    if args.only:
        unknown = set(args.only) - {c.name for c in cases}
        if unknown:
            parser.error(f"no such case in {args.cases}: {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in args.only]
    if args.rescore:
        runs = [run for run in read_runs(args.rescore) if not args.only or run.case in args.only]
    else:
        try:
            says = complaints(cases, args.say_from)
        except KeyError as error:
            parser.error(str(error.args[0]))
        runs = diagnose_all(cases, says, args.jobs)
    result = figures(runs)
    # a held-out set some fixes were tuned on also gets figures on its untouched part
    unseen = [run for run in runs if not run.calibrated]
    unseen_result = figures(unseen) if unseen and len(unseen) < len(runs) else None
    if args.json:
        runs_data = [
            asdict(r) | {"rank": r.rank, "main_rank": r.main_rank, "told": r.told} for r in runs
        ]
        report: dict[str, Any] = {"runs": runs_data, "figures": asdict(result)}
        if unseen_result is not None:
            report["figures_not_calibrated_on"] = asdict(unseen_result)
        print(json.dumps(report, indent=2))
    else:
        print("\n".join(line(r) for r in runs))
        print()
        print(summary(result))
        if unseen_result is not None:
            print(f"\nthe {len(unseen)} cases no fix was tuned on:")
            print(summary(unseen_result))
    return 0 if result.goals_met else 1


if __name__ == "__main__":
    sys.exit(main())
