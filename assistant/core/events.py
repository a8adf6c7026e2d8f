"""The events a session is made of. A session is its event log; everything else is replayed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from probes.result import ProbeResult


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Said(_Event):
    """Free text from the user: the complaint, or an answer in their own words."""

    type: Literal["said"] = "said"
    text: str


class Answered(_Event):
    """The user picked a choice (or ``unknown``) for a question."""

    type: Literal["answered"] = "answered"
    question: str
    value: str


class Told(_Event):
    """Facts stated outright (an answers file, a form), not typed as words."""

    type: Literal["told"] = "told"
    facts: dict[str, str] = Field(default_factory=dict)
    source: str = ""
    """Where the facts come from when not from answers: "read from train.py"."""
    evidence: dict[str, str] = Field(default_factory=dict)
    """For each fact, the line that shows it ("train.py:12: nn.Softmax(dim=1)")."""


class Probed(_Event):
    """A probe finished; its facts join the evidence."""

    type: Literal["probed"] = "probed"
    result: ProbeResult


class Attached(_Event):
    """A target (model and data) is connected, so probes can run."""

    type: Literal["attached"] = "attached"
    target: str
    keys: list[str] = Field(default_factory=list)
    """The keys the target provides (``model``, ``loss``...), which decide the probes that apply."""


class FixTried(_Event):
    """The user tried the fix for a cause and says whether it worked."""

    # "outcome" is the stored name: session stores hold events written with it.
    type: Literal["outcome"] = "outcome"
    cause: str
    result: Literal["fixed", "still_stuck"]


class Undo(_Event):
    """Take back the user's last step."""

    type: Literal["undo"] = "undo"


class Restart(_Event):
    """Forget everything before this event."""

    type: Literal["restart"] = "restart"


class Finish(_Event):
    """The user asks for the diagnosis now."""

    type: Literal["finish"] = "finish"


Event = Annotated[
    Said | Answered | Told | Probed | Attached | FixTried | Undo | Restart | Finish,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

#: Events that are the user's own steps, which undo takes back.
USER_STEPS = (Said, Answered, Told, FixTried, Finish)
