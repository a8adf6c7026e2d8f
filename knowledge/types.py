"""Names shared across the knowledge base and its users."""

from __future__ import annotations

from typing import Literal

Family = Literal["data", "model", "train", "eval", "frame"]
Library = Literal["torch", "keras", "tensorflow", "sklearn", "numpy", "cuda", "python"]
"""Where a catalogued error message comes from."""
FactId = str
CauseId = str
QuestionId = str
ProbeId = str
Value = str

Regulariser = Literal["dropout", "weight_decay", "decoupled_weight_decay", "l2_penalty"]
"""A regularisation setting whose size ``RegularisationLevels.level`` judges."""

#: The value a question takes when the user does not know or skips it.
UNKNOWN: Value = "unknown"
