"""Plain-text rendering of replies and diagnoses, for pipes, the demo and `diagnose`."""

from __future__ import annotations

import textwrap

from assistant.core.explainer import NO_EVIDENCE
from assistant.core.replies import CauseCard, Diagnosis, ProbeRequest, Question, Reply, Text
from assistant.drive.headless import DiagnosisReport

WIDTH = 88


def reply(item: Reply) -> str:
    if isinstance(item, Text):
        return _wrap(item.text)
    if isinstance(item, Question):
        return question(item)
    if isinstance(item, ProbeRequest):
        names = ", ".join(item.titles)
        return _wrap(f"Running a check: {names}. {item.why}".strip())
    return diagnosis(item)


def question(item: Question) -> str:
    lines = [_wrap(item.text)]
    lines += [f"  {i}. {choice.label}" for i, choice in enumerate(item.choices, 1)]
    if item.hint:
        lines.append(_wrap(f"(Hint: {item.hint})"))
    return "\n".join(lines)


def diagnosis(item: Diagnosis) -> str:
    lines = [_wrap(item.text)]
    for card in item.cards:
        lines.append("")
        lines.append(cause_card(card))
    return "\n".join(lines)


def cause_card(card: CauseCard) -> str:
    lines = [f"== {card.title} [{card.id}] confidence {card.confidence:.0%}"]
    lines.append(_wrap(card.explanation, indent="   "))
    if card.evidence_for:
        lines.append("   Evidence for:")
        lines += [_wrap(f"+ {e.text}", indent="     ") for e in card.evidence_for]
    if card.evidence_against:
        lines.append("   Evidence against:")
        lines += [_wrap(f"- {e.text}", indent="     ") for e in card.evidence_against]
    lines.append("   Fix:")
    lines += [_wrap(f"{i}. {step}", indent="     ") for i, step in enumerate(card.fix_steps, 1)]
    if card.snippet:
        lines.append(textwrap.indent(card.snippet.rstrip(), "       "))
    if card.references:
        lines.append("   References: " + "; ".join(card.references))
    return "\n".join(lines)


def outcome(result: DiagnosisReport, top: int = 3) -> str:
    """The summary `unstuck diagnose` prints without --json."""
    lines: list[str] = []
    if result.probes:
        lines.append("Checks run:")
        for probe in result.probes:
            lines.append(
                _wrap(
                    f"[{probe.status}] {probe.id} ({probe.seconds:.1f} s): {probe.finding}",
                    indent="  ",
                )
            )
        lines.append("")
    asked = [s for s in result.steps if s.kind == "question"]
    if asked:
        lines.append(f"Questions ({len(asked)}):")
        lines += [_wrap(f"{s.text} -> {s.result}", indent="  ") for s in asked]
        lines.append("")
    for note in result.notes:
        lines += [_wrap(note), ""]
    if result.found:
        lines.append("Found: " + ", ".join(result.found))
    elif result.facts_known == 0:
        # a ranking with nothing known would only repeat how common each cause is
        lines.append("Found: nothing yet. " + NO_EVIDENCE)
        return _wrap("\n".join(lines))
    else:
        lines.append("Found: no cause stands out clearly.")
    for cause in result.causes[:top]:
        lines.append("")
        lines.append(f"== {cause.title} [{cause.id}] confidence {cause.confidence:.0%}")
        lines += [_wrap(f"+ {e}", indent="   ") for e in cause.evidence]
        lines += [_wrap(f"- {e}", indent="   ") for e in cause.against]
        lines.append(_wrap(f"Fix: {cause.fix}", indent="   "))
    return "\n".join(lines)


def _wrap(text: str, indent: str = "") -> str:
    paragraphs = text.split("\n")
    return "\n".join(
        textwrap.fill(p, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
        if p.strip()
        else ""
        for p in paragraphs
    )
