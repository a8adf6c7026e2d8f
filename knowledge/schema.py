"""Pydantic models for the knowledge base files.

Each YAML file under ``knowledge/`` is one of these documents. Field docstrings say what a
knowledge author writes there; the loader (``knowledge.loader``) validates every file and then
checks that all references between files resolve.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.types import (
    CauseId,
    FactId,
    Family,
    Library,
    ProbeId,
    QuestionId,
    Regulariser,
    Value,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Fact(_Strict):
    """A named observable variable with a closed set of values."""

    id: FactId
    """Identifier used everywhere else, e.g. ``loss_trend``."""
    title: str
    """A short phrase in plain words, e.g. "how the training loss moves"."""
    values: list[Value] = Field(min_length=2)
    """Every value the fact may take. ``unknown`` is implicit and must not be listed."""
    baseline: dict[Value, float] = Field(default_factory=dict)
    """How often each value shows up when none of the causes that mention this fact is at work.
    Values left out share what remains equally."""
    labels: dict[Value, str] = Field(default_factory=dict)
    """Readable phrases for values, used in explanations ("the loss is flat")."""

    @field_validator("values")
    @classmethod
    def _no_unknown(cls, values: list[Value]) -> list[Value]:
        if "unknown" in values:
            raise ValueError("'unknown' is implicit; do not list it")
        if len(set(values)) != len(values):
            raise ValueError("values must be unique")
        return values


class Choice(_Strict):
    """One answer offered to the user."""

    value: Value
    """The fact value this answer sets."""
    label: str
    """What the button or numbered choice says."""


class Question(_Strict):
    """A question that asks the user for one fact."""

    id: QuestionId
    fact: FactId
    """The fact the answer sets."""
    text: str
    """The question as the assistant asks it."""
    choices: list[Choice] = Field(min_length=2)
    cost: float = Field(default=1.0, gt=0)
    """User effort: 1 is a glance at the screen, 3 is running something or digging in code."""
    requires: dict[FactId, list[Value]] = Field(default_factory=dict)
    """Ask only when every listed fact has one of the listed values."""
    hint: str = ""
    """Where the user can look to find the answer."""


class Probe(_Strict):
    """A runnable check that establishes facts without effort from the user."""

    id: ProbeId
    title: str
    cost: float = Field(gt=0)
    """Typical runtime in seconds on a small model."""
    needs: list[str] = Field(default_factory=list)
    """Target keys the probe needs, e.g. ``model``, ``loss``, ``optimizer``, ``train_step``."""
    yields: list[FactId] = Field(min_length=1)
    """The facts its result may set."""


class Rule(_Strict):
    """Forward-chaining: when every condition holds, the conclusion facts are set."""

    id: str
    when: dict[FactId, list[Value]] = Field(min_length=1)
    then: dict[FactId, Value] = Field(min_length=1)
    because: str
    """One sentence saying why the conclusion follows, shown by "why"."""


class Fix(_Strict):
    steps: list[str] = Field(min_length=1)
    """What to do, in order."""
    snippet: str = ""
    """A PyTorch (or pandas) snippet showing the fix, where one helps."""


class Cause(_Strict):
    """A reason why a model does not learn."""

    id: CauseId
    """Family-prefixed identifier, e.g. ``model.output_activation``."""
    title: str
    family: Family
    prior: float = Field(gt=0, lt=1)
    """How often this cause is behind a "my model does not learn" complaint, before evidence."""
    likelihoods: dict[FactId, dict[Value, float]] = Field(default_factory=dict)
    """P(fact = value | this cause is present). Values left out of a fact share the rest of the
    probability mass in proportion to that fact's baseline."""
    explanation: str
    """Why the cause produces the symptoms, in plain words."""
    fix: Fix
    references: list[str] = Field(min_length=1)
    """Seed article file names, papers or documentation pages."""
    means_nothing_wrong: bool = False
    """True for a cause that says the model is fine after all: when it leads the diagnosis the
    assistant says so, and offers no fix to try."""
    shown_by: list[FactId] = Field(default_factory=list)
    """Facts without which the cause cannot be told apart from a healthy setup (overfitting
    needs some comparison of training against held-out results). While every one of them is
    unknown the cause is still ranked, but never reported as found: the other facts it raises
    the odds on are what any model that learns shows as well."""

    @field_validator("likelihoods")
    @classmethod
    def _probabilities(
        cls, likelihoods: dict[FactId, dict[Value, float]]
    ) -> dict[FactId, dict[Value, float]]:
        for fact, table in likelihoods.items():
            for value, p in table.items():
                if not 0.0 <= p <= 1.0:
                    raise ValueError(f"{fact}.{value}: must be in [0, 1], got {p}")
            total = sum(table.values())
            if total > 1.0 + 1e-6:
                raise ValueError(f"{fact}: probabilities add up to {total:.3f}, more than 1")
        return likelihoods


class Phrase(_Strict):
    """A way users say something that sets a fact."""

    pattern: str
    """A case-insensitive regular expression searched in the user's text."""
    sets: dict[FactId, Value] = Field(min_length=1)


class FactsFile(_Strict):
    facts: list[Fact]


class QuestionsFile(_Strict):
    questions: list[Question]


class ProbesFile(_Strict):
    probes: list[Probe]


class RulesFile(_Strict):
    rules: list[Rule]


class CausesFile(_Strict):
    causes: list[Cause]


class PhrasesFile(_Strict):
    phrases: list[Phrase]


# -- The engine's thresholds: when to stop asking, what to report, what counts as evidence --


class RegularisationLevels(_Strict):
    """Where a regularisation setting read from code or words stops being usual and counts as
    strong (``regularisation: strong``); any smaller positive setting is ``moderate``."""

    dropout_strong_above: float = Field(gt=0, lt=1)
    """Dropout probability above which dropout is strong. 0.5 is the usual value between
    fully connected layers (Srivastava et al., 2014), so it is not strong itself."""
    weight_decay_strong_from: float = Field(gt=0)
    """L2 weight decay added to the gradient (SGD, Adam: ``weight_decay=``) from which it is
    strong; 1e-4 to 5e-4 is usual."""
    decoupled_weight_decay_strong_from: float = Field(gt=0)
    """Decoupled weight decay (AdamW), scaled by the learning rate, from which it is strong;
    AdamW's default is 0.01."""
    l2_penalty_strong_from: float = Field(gt=0)
    """A Keras kernel penalty (``l2(...)``) from which it is strong; 1e-4 to 1e-3 is usual."""

    def level(self, kind: Regulariser, value: float) -> Value | None:
        """``strong`` or ``moderate`` for a positive setting; None for zero, or for a dropout
        that is no probability. One judgement for settings read from code or words and for
        settings measured on a live model and optimizer."""
        if value <= 0 or (kind == "dropout" and value >= 1):
            return None
        strong = {
            "dropout": value > self.dropout_strong_above,
            "weight_decay": value >= self.weight_decay_strong_from,
            "decoupled_weight_decay": value >= self.decoupled_weight_decay_strong_from,
            "l2_penalty": value >= self.l2_penalty_strong_from,
        }[kind]
        return "strong" if strong else "moderate"


class Thresholds(_Strict):
    """The numbers the engine decides with, kept with the knowledge they were tuned on."""

    max_questions: int = Field(gt=0)
    """Stop asking after this many questions and report what the evidence says."""
    settle_at: float = Field(gt=0, lt=1)
    """Stop asking when one cause holds this share of the single-fault distribution."""
    probe_until: float = Field(gt=0, lt=1)
    """With a target connected, keep running informative probes until one cause holds this
    share: probes cost the user nothing, so they go on past ``settle_at``."""
    found_at: float = Field(gt=0, lt=1)
    """Report every cause whose confidence reaches this as present."""
    min_gain: float = Field(ge=0)
    """Bits per unit of cost below which a question or probe is not worth asking."""
    evidence_ratio: float = Field(gt=1)
    """A known fact is shown as evidence for a cause when its likelihood ratio reaches this,
    and as evidence against it when the ratio falls to the inverse; weaker ones are left out."""
    regularisation: RegularisationLevels
    """What the regularisation settings read from code and words mean."""


class ThresholdsFile(_Strict):
    thresholds: Thresholds


# -- the error catalogue (knowledge/errors.yaml) -------------------------------------------


class ErrorSignature(_Strict):
    """An error or warning text people paste, and what it says about their setup."""

    id: str
    """Library-prefixed identifier, e.g. ``torch.target_out_of_bounds``."""
    title: str
    """What the message means, in plain words: "a class index outside the model's outputs"."""
    library: Library
    """Where the message comes from."""
    patterns: list[str] = Field(min_length=1)
    """Case-insensitive regular expressions searched in the pasted text; any one matching
    identifies the message. Write them against the library's own text, not a paraphrase."""
    sets: dict[FactId, Value] = Field(min_length=1)
    """The facts the message establishes."""
    examples: list[str] = Field(min_length=1)
    """Real message texts, copied from the library or a traceback: each must match one of
    ``patterns`` (the loader checks), so a pattern that drifts from the real text fails."""


class ErrorsFile(_Strict):
    errors: list[ErrorSignature]
