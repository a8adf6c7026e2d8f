"""Load the knowledge base from YAML, validate it, and cross-check its references.

Every problem is collected and reported together, each with the file and the field path, so an
author fixes a broken file in one pass. Nothing is skipped: a knowledge base with any problem is
refused whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import KnowledgeError
from knowledge.schema import (
    Cause,
    CausesFile,
    ErrorsFile,
    ErrorSignature,
    Fact,
    FactsFile,
    Phrase,
    PhrasesFile,
    Probe,
    ProbesFile,
    Question,
    QuestionsFile,
    Rule,
    RulesFile,
    Thresholds,
    ThresholdsFile,
)
from knowledge.types import UNKNOWN, CauseId, FactId, ProbeId, QuestionId

PACKAGE_DIR = Path(__file__).resolve().parent

_Doc = TypeVar("_Doc", bound=BaseModel)

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class KnowledgeBase:
    facts: dict[FactId, Fact]
    questions: dict[QuestionId, Question]
    probes: dict[ProbeId, Probe]
    rules: list[Rule]
    causes: dict[CauseId, Cause]
    phrases: list[Phrase]
    thresholds: Thresholds
    #: the file each entry came from, for messages ("knowledge/causes/data.yaml")
    origin: dict[str, str] = field(default_factory=dict)
    #: the error and warning texts people paste (``errors.yaml``; optional)
    errors: list[ErrorSignature] = field(default_factory=list)

    def questions_for(self, fact: FactId) -> list[Question]:
        return [q for q in self.questions.values() if q.fact == fact]


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _location(loc: Iterable[int | str], top: str) -> str:
    text = top
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _read(path: Path, root: Path, model: type[_Doc], problems: list[str]) -> _Doc | None:
    shown = _display(path, root)
    try:
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        problems.append(f"{shown}: not valid YAML{where}: {reason}")
        return None
    except OSError as error:
        problems.append(f"{shown}: cannot be read: {error.strerror}")
        return None
    if not isinstance(raw, dict):
        expected = next(iter(model.model_fields))
        problems.append(
            f"{shown}: expected a mapping with the key '{expected}', got {type(raw).__name__}"
        )
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            loc = list(item["loc"])
            top = str(loc.pop(0)) if loc else "(top)"
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{shown}: {_location(loc, top)}: {message}")
        return None


def _files(root: Path, name: str) -> list[Path]:
    single = root / f"{name}.yaml"
    folder = root / name
    found = [single] if single.exists() else []
    if folder.is_dir():
        found += sorted(folder.glob("*.yaml"))
    return found


def load(root: Path | None = None) -> KnowledgeBase:
    """Load and cross-check the knowledge base under ``root`` (the bundled one by default).

    Raises ``KnowledgeError`` listing every problem found.
    """
    root = (root or PACKAGE_DIR).resolve()
    problems: list[str] = []
    origin: dict[str, str] = {}

    def gather(
        name: str, model: type[_Doc], attr: str, optional: bool = False
    ) -> list[tuple[str, int, Any]]:
        entries: list[tuple[str, int, Any]] = []
        paths = _files(root, name)
        if not paths and not optional:
            problems.append(f"{_display(root / (name + '.yaml'), root)}: file is missing")
        for path in paths:
            doc = _read(path, root, model, problems)
            if doc is None:
                continue
            for index, entry in enumerate(getattr(doc, attr)):
                entries.append((_display(path, root), index, entry))
        return entries

    facts = _unique(gather("facts", FactsFile, "facts"), "facts", problems, origin)
    facts_broken = bool(problems)
    questions = _unique(
        gather("questions", QuestionsFile, "questions"), "questions", problems, origin
    )
    probes = _unique(gather("probes", ProbesFile, "probes"), "probes", problems, origin)
    rules_raw = gather("rules", RulesFile, "rules")
    causes = _unique(gather("causes", CausesFile, "causes"), "causes", problems, origin)
    phrases_raw = gather("phrases", PhrasesFile, "phrases")
    thresholds = _thresholds(root, problems)
    errors = _unique(
        gather("errors", ErrorsFile, "errors", optional=True), "errors", problems, origin
    )

    if facts_broken:
        problems.append("references to facts were not checked: fix the facts files first")
    else:
        _check_references(
            facts, questions, probes, rules_raw, causes, phrases_raw, origin, problems
        )
        _check_errors(facts, errors, origin, problems)
    if problems or thresholds is None:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        facts=facts,
        questions=questions,
        probes=probes,
        rules=[entry for _, _, entry in rules_raw],
        causes=causes,
        phrases=[entry for _, _, entry in phrases_raw],
        thresholds=thresholds,
        origin=origin,
        errors=list(errors.values()),
    )


def _thresholds(root: Path, problems: list[str]) -> Thresholds | None:
    """The engine's thresholds: one mapping in one file, unlike the lists of entries."""
    path = root / "thresholds.yaml"
    if not path.exists():
        problems.append(f"{_display(path, root)}: file is missing")
        return None
    document = _read(path, root, ThresholdsFile, problems)
    return document.thresholds if document is not None else None


def _unique(
    entries: list[tuple[str, int, Any]], kind: str, problems: list[str], origin: dict[str, str]
) -> dict[str, Any]:
    by_id: dict[str, Any] = {}
    for shown, index, entry in entries:
        if entry.id in by_id:
            problems.append(
                f"{shown}: {kind}[{index}].id: '{entry.id}' is already defined in "
                f"{origin[f'{kind}:{entry.id}']}"
            )
            continue
        by_id[entry.id] = entry
        origin[f"{kind}:{entry.id}"] = shown
        origin[f"{kind}:{entry.id}:index"] = str(index)
    return by_id


def _where(origin: dict[str, str], kind: str, entry_id: str) -> str:
    return f"{origin[f'{kind}:{entry_id}']}: {kind}[{origin[f'{kind}:{entry_id}:index']}]"


def _check_value(
    facts: dict[FactId, Fact], fact: FactId, value: str | None, where: str, problems: list[str]
) -> None:
    if fact not in facts:
        problems.append(f"{where}: unknown fact '{fact}'")
        return
    if value is not None and value not in facts[fact].values and value != UNKNOWN:
        allowed = ", ".join(facts[fact].values)
        problems.append(f"{where}: '{value}' is not a value of fact '{fact}' (one of: {allowed})")


def _check_references(
    facts: dict[FactId, Fact],
    questions: dict[QuestionId, Question],
    probes: dict[ProbeId, Probe],
    rules: list[tuple[str, int, Any]],
    causes: dict[CauseId, Cause],
    phrases: list[tuple[str, int, Any]],
    origin: dict[str, str],
    problems: list[str],
) -> None:
    for fact in facts.values():
        where = _where(origin, "facts", fact.id)
        for value, p in fact.baseline.items():
            _check_value(facts, fact.id, value, f"{where}.baseline.{value}", problems)
            if not 0.0 <= p <= 1.0:
                problems.append(f"{where}.baseline.{value}: must be in [0, 1], got {p}")
        if sum(fact.baseline.values()) > 1.0 + 1e-6:
            problems.append(f"{where}.baseline: probabilities add up to more than 1")
        for value in fact.labels:
            _check_value(facts, fact.id, value, f"{where}.labels.{value}", problems)
    for question in questions.values():
        where = _where(origin, "questions", question.id)
        _check_value(facts, question.fact, None, f"{where}.fact", problems)
        for i, choice in enumerate(question.choices):
            _check_value(
                facts, question.fact, choice.value, f"{where}.choices[{i}].value", problems
            )
        for fact_id, values in question.requires.items():
            for value in values:
                _check_value(facts, fact_id, value, f"{where}.requires.{fact_id}", problems)
    for probe in probes.values():
        where = _where(origin, "probes", probe.id)
        for i, fact_id in enumerate(probe.yields):
            _check_value(facts, fact_id, None, f"{where}.yields[{i}]", problems)
    for shown, index, rule in rules:
        where = f"{shown}: rules[{index}]"
        for fact_id, values in rule.when.items():
            for value in values:
                _check_value(facts, fact_id, value, f"{where}.when.{fact_id}", problems)
        for fact_id, value in rule.then.items():
            _check_value(facts, fact_id, value, f"{where}.then.{fact_id}", problems)
    for cause in causes.values():
        where = _where(origin, "causes", cause.id)
        if not cause.id.startswith(f"{cause.family}."):
            problems.append(
                f"{where}.id: '{cause.id}' must start with its family '{cause.family}.'"
            )
        for fact_id, table in cause.likelihoods.items():
            for value in table:
                where_value = f"{where}.likelihoods.{fact_id}.{value}"
                _check_value(facts, fact_id, value, where_value, problems)
        for i, fact_id in enumerate(cause.shown_by):
            _check_value(facts, fact_id, None, f"{where}.shown_by[{i}]", problems)
    for shown, index, phrase in phrases:
        where = f"{shown}: phrases[{index}]"
        try:
            re.compile(phrase.pattern)
        except re.error as error:
            problems.append(f"{where}.pattern: not a valid regular expression: {error}")
        for fact_id, value in phrase.sets.items():
            _check_value(facts, fact_id, value, f"{where}.sets.{fact_id}", problems)


def _check_errors(
    facts: dict[FactId, Fact],
    errors: dict[str, ErrorSignature],
    origin: dict[str, str],
    problems: list[str],
) -> None:
    """Each catalogued message: its facts exist, its patterns compile, and each of its real
    examples is recognised by one of its patterns."""
    for signature in errors.values():
        where = _where(origin, "errors", signature.id)
        if not signature.id.startswith(f"{signature.library}."):
            problems.append(
                f"{where}.id: '{signature.id}' must start with its library '{signature.library}.'"
            )
        compiled: list[re.Pattern[str]] = []
        for i, pattern in enumerate(signature.patterns):
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as error:
                problems.append(f"{where}.patterns[{i}]: not a valid regular expression: {error}")
        for fact_id, value in signature.sets.items():
            _check_value(facts, fact_id, value, f"{where}.sets.{fact_id}", problems)
        if len(compiled) < len(signature.patterns):
            continue
        for i, example in enumerate(signature.examples):
            if not any(pattern.search(example) for pattern in compiled):
                problems.append(
                    f"{where}.examples[{i}]: no pattern of this entry matches it; "
                    "fix the pattern to match the real message"
                )


@lru_cache(maxsize=1)
def bundled() -> KnowledgeBase:
    """The knowledge base shipped with unstuck, loaded once."""
    return load()


def load_probe_catalogue(root: Path | None = None) -> dict[ProbeId, Probe]:
    """Only the probes (id, title, cost, needs, yields) under ``root``, validated, in file order.

    A probe worker reads this to build its registry without the rest of the knowledge base;
    whether each yielded fact exists is checked by ``load``. Raises ``KnowledgeError`` listing
    every problem found.
    """
    root = (root or PACKAGE_DIR).resolve()
    problems: list[str] = []
    paths = _files(root, "probes")
    if not paths:
        problems.append(f"{_display(root / 'probes.yaml', root)}: file is missing")
    entries: list[tuple[str, int, Any]] = []
    for path in paths:
        doc = _read(path, root, ProbesFile, problems)
        if doc is not None:
            entries += [(_display(path, root), i, probe) for i, probe in enumerate(doc.probes)]
    probes = _unique(entries, "probes", problems, {})
    if problems:
        raise KnowledgeError(problems)
    return probes


@lru_cache(maxsize=1)
def bundled_probe_catalogue() -> dict[ProbeId, Probe]:
    """The probe catalogue shipped with unstuck, loaded once."""
    return load_probe_catalogue()
