"""Whether a change to the reader changes what it reads: the facts, candidates, evidence and
notes read from every known text, written to a file to compare with another checkout's.

The texts: the complaints in ``../shared/complaints/dev.json`` (when present), the
paraphrases in ``examples/paraphrases.yaml``, the case library's complaints
(``examples/cases.yaml``), every string in the reading tests and the reading benchmark's
message and script. Each is read by the whole reader and by the phrases alone (as the
reader cleans it).

    PYTHONPATH=OLD .venv/bin/python benchmarks/reading_same.py --out before.json
    .venv/bin/python benchmarks/reading_same.py --out after.json --against before.json

where OLD is a checkout of the commit before the change (``git worktree add``); the texts
come from this script's checkout either way (``--texts`` names another). It exits with 1
when any reading differs. The long-paste note reads differently on purpose since the commit
that joined the paste readers' notes, so a comparison across that commit shows the texts
those readers cut short.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from reading import message, training_script

from assistant.core.reading import TextReader, text_model
from assistant.core.reading.bounds import bounded, clean
from assistant.core.reading.words import Phrases, match_phrases
from knowledge.loader import bundled

ROOT = Path(__file__).resolve().parent.parent
COMPLAINTS = ROOT / ".." / "shared" / "complaints" / "dev.json"


def texts(complaints: Path, root: Path = ROOT) -> list[str]:
    """Every text to read, each once, in a stable order; examples and tests from ``root``."""
    found: list[str] = []
    if complaints.exists():
        found += [entry["say"] for entry in json.loads(complaints.read_text()).values()]
    examples = root / "examples"
    found += [
        p["say"] for p in yaml.safe_load((examples / "paraphrases.yaml").read_text())["paraphrases"]
    ]
    found += [
        c["description"]
        for c in yaml.safe_load((examples / "cases.yaml").read_text())["cases"]
        if c.get("description")
    ]
    for test in sorted((root / "tests" / "assistant" / "reading").glob("*.py")):
        found += [
            node.value
            for node in ast.walk(ast.parse(test.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value
        ]
    # and the reading benchmark's long texts: many lines, each searched on its own
    found += [message(), message(8_000), training_script(), training_script(300) * 3]
    return list(dict.fromkeys(found))


def readings(found: list[str]) -> dict[str, Any]:
    kb = bundled()
    reader = TextReader(kb)
    phrases = Phrases.compile(kb.phrases)
    model = text_model()
    out: dict[str, Any] = {}
    for text in found:
        model.seen.clear()
        reading = reader.read(text)
        matched = match_phrases(phrases, clean(bounded(text)))
        out[text] = {
            "facts": reading.facts,
            "unsure": reading.unsure,
            "evidence": reading.evidence,
            "notes": reading.notes,
            "phrases": [matched.facts, matched.negated, matched.evidence],
        }
    return json.loads(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the readings")
    parser.add_argument("--against", type=Path, help="readings to compare with")
    parser.add_argument("--complaints", type=Path, default=COMPLAINTS)
    parser.add_argument(
        "--texts",
        type=Path,
        default=ROOT,
        help="the checkout whose examples and reading tests give the texts (so that two "
        "checkouts read the same texts)",
    )
    args = parser.parse_args()
    found = texts(args.complaints, args.texts)
    read = readings(found)
    args.out.write_text(json.dumps(read, indent=1, sort_keys=True))
    print(f"{len(found)} texts read, {sum(len(r['facts']) for r in read.values())} facts")
    if args.against is None:
        return
    before = json.loads(args.against.read_text())
    differ = [text for text in read if text in before and before[text] != read[text]]
    new = [text for text in read if text not in before]
    missing = [text for text in before if text not in read]
    for text in differ[:10]:
        print(f"differs: {text[:70]!r}\n  before {before[text]}\n  after  {read[text]}")
    print(
        f"{len(differ)} of {len(read) - len(new)} readings differ; {len(new)} texts new, "
        f"{len(missing)} not read again (pass --texts to read the same texts in both)"
    )
    sys.exit(1 if differ or new or missing else 0)


if __name__ == "__main__":
    main()
