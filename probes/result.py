"""The typed result every probe returns, and the report that carries results to a session."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProbeStatus = Literal["pass", "warn", "fail", "error"]
Measured = float | int | str | bool | None


class Series(BaseModel):
    """A curve for a plot, e.g. loss against learning rate."""

    model_config = ConfigDict(extra="forbid")

    name: str
    x_label: str
    y_label: str
    x: list[float]
    y: list[float]
    log_x: bool = False

    @classmethod
    def finite(
        cls,
        name: str,
        values: Sequence[float],
        x_label: str = "step",
        y_label: str = "loss",
        first: int = 0,
    ) -> Series:
        """One value per step (counted from ``first``), the NaN and infinite ones left out."""
        points = [(float(i), v) for i, v in enumerate(values, first) if math.isfinite(v)]
        return cls(
            name=name,
            x_label=x_label,
            y_label=y_label,
            x=[x for x, _ in points],
            y=[y for _, y in points],
        )


class ProbeResult(BaseModel):
    """What one probe found. A crash in the user's code is a result too (status ``error``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """The probe's id, as in ``knowledge/probes.yaml``."""
    status: ProbeStatus
    facts: dict[str, str] = Field(default_factory=dict)
    """Facts established, as fact id -> value from the knowledge base."""
    values: dict[str, Measured] = Field(default_factory=dict)
    """Measured numbers and details, for evidence and for readers."""
    finding: str
    """One line in plain words."""
    series: list[Series] = Field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    """For status ``error``: what went wrong, naming the exception."""


class ProbeReport(BaseModel):
    """Results of one ``unstuck probe`` run, as posted to a session."""

    model_config = ConfigDict(extra="forbid")

    target: str
    results: list[ProbeResult]
