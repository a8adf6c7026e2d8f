"""What the engine says back: typed models that every front end renders its own way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

#: The engine's own questions, which no knowledge base question may be called: after a
#: diagnosis, whether the fix worked; after words it half understood, what they meant.
OUTCOME_QUESTION = "_outcome"
CLARIFY_QUESTION = "_clarify"
#: The clarifying question's way out: none of the readings offered.
NONE_OF_THESE = "none"


class _Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Reply):
    kind: Literal["text"] = "text"
    text: str
    tone: Literal["info", "notice", "error"] = "info"


class Option(_Reply):
    value: str
    label: str


class Question(_Reply):
    kind: Literal["question"] = "question"
    id: str
    fact: str
    text: str
    choices: list[Option]
    hint: str = ""
    why: str = ""
    """Why this question is worth asking now."""


class ProbeRequest(_Reply):
    """The engine wants these probes run; a driver runs them and reports back."""

    kind: Literal["probe"] = "probe"
    probes: list[str]
    titles: list[str]
    why: str = ""


class Evidence(_Reply):
    fact: str
    value: str
    text: str
    """The observation in plain words, with where it came from."""
    weight: float
    """The likelihood ratio this observation gives the cause (above 1 supports it)."""


class CauseCard(_Reply):
    id: str
    title: str
    family: str
    confidence: float
    evidence_for: list[Evidence]
    evidence_against: list[Evidence]
    explanation: str
    fix_steps: list[str]
    snippet: str = ""
    references: list[str]


class Diagnosis(_Reply):
    kind: Literal["diagnosis"] = "diagnosis"
    found: list[str]
    """Causes believed present, best first (may be empty)."""
    cards: list[CauseCard]
    """A card per found cause, or the leading candidates when nothing is clear."""
    settled: bool
    """True when the evidence points clearly at the found causes."""
    text: str


Reply = Annotated[Text | Question | ProbeRequest | Diagnosis, Field(discriminator="kind")]
REPLIES_ADAPTER: TypeAdapter[list[Reply]] = TypeAdapter(list[Reply])


@dataclass(frozen=True)
class Ranked:
    """One cause in the ranking that front ends show beside the conversation."""

    id: str
    title: str
    confidence: float
    share: float
    """This cause's share of the single-fault distribution."""
