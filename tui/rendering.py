"""Text for what the assistant says: confidence bars, cause cards, probe findings, questions.

Pure functions from typed replies and results to plain text or Markdown. The widgets, the
transcript and the Markdown export all use these, so the screen and the export read the same.
"""

from __future__ import annotations

from assistant.core.replies import CauseCard, Diagnosis, Evidence, ProbeRequest, Question
from probes.result import ProbeResult

_EIGHTHS = " ▏▎▍▌▋▊▉"

STATUS_LABELS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR"}


def bar(fraction: float, width: int) -> str:
    """A bar of ``width`` cells filled to ``fraction`` with eighth blocks, padded with dots."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text + "·" * (width - len(text))


def percent(fraction: float) -> str:
    return f"{fraction:.0%}"


def trend(before: float | None, now: float) -> str:
    """An arrow for how a confidence moved since the previous step (a point or more)."""
    if before is None or abs(now - before) < 0.01:
        return " "
    return "▲" if now > before else "▼"


def choice_label(number: int, label: str) -> str:
    return f"{number}  {label}"


def question_text(question: Question) -> str:
    lines = [question.text]
    if question.hint:
        lines.append(f"Hint: {question.hint}")
    lines.extend(f"  {i}. {option.label}" for i, option in enumerate(question.choices, 1))
    return "\n".join(lines)


def probe_request_text(request: ProbeRequest) -> str:
    names = ", ".join(request.titles or request.probes)
    why = f" {request.why}" if request.why else ""
    return f"Running a check on your code: {names}.{why}"


def probe_headline(result: ProbeResult) -> str:
    return f"{STATUS_LABELS[result.status]}  {result.id}  ({result.seconds:.1f} s)"


def probe_details(result: ProbeResult) -> list[str]:
    lines = [result.finding]
    if result.error and result.error != "cancelled" and result.error not in result.finding:
        lines.append(f"Error: {result.error}")
    if result.facts:
        lines.append("Established: " + ", ".join(f"{k} = {v}" for k, v in result.facts.items()))
    return lines


def evidence_lines(items: list[Evidence]) -> list[str]:
    return [f"- {item.text}" for item in items] or ["- nothing yet"]


def card_markdown(card: CauseCard, heading: str = "###") -> str:
    """One cause: confidence, evidence for and against, what it means, and the fix."""
    parts = [
        f"{heading} {card.title}",
        f"`{card.id}` · confidence {percent(card.confidence)} `{bar(card.confidence, 20)}`",
        "**Evidence for**",
        "\n".join(evidence_lines(card.evidence_for)),
        "**Evidence against**",
        "\n".join(evidence_lines(card.evidence_against)),
        card.explanation,
        "**Fix**",
        "\n".join(f"{i}. {step}" for i, step in enumerate(card.fix_steps, 1)),
    ]
    if card.snippet:
        parts.append(f"```python\n{card.snippet.rstrip()}\n```")
    if card.references:
        parts.append("References: " + ", ".join(card.references))
    return "\n\n".join(parts)


def diagnosis_markdown(diagnosis: Diagnosis) -> str:
    title = "Diagnosis" if diagnosis.settled else "Leading candidates"
    return f"## {title}\n\n{diagnosis_body(diagnosis)}"


def diagnosis_body(diagnosis: Diagnosis) -> str:
    cards = [card_markdown(card) for card in diagnosis.cards]
    return "\n\n".join([diagnosis.text, *cards])
