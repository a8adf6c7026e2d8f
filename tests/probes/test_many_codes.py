"""Ids with many levels fed as one number: codes whose order means nothing, even when scaled."""

from __future__ import annotations

import numpy as np
import pandas as pd

from probes.api import run

ROWS = 3000


def _sales(store_id: np.ndarray, effect: np.ndarray, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"promo": rng.integers(0, 2, ROWS).astype(float)})
    frame["store_id"] = store_id
    frame["sales"] = effect + 0.5 * frame["promo"] + rng.normal(0, 0.3, ROWS)
    return frame


def _categoricals(frame: pd.DataFrame) -> str:
    return run("data_checks", {"train": frame, "label": "sales"}).facts["categoricals"]


def test_a_scaled_store_id_with_many_levels_is_taken_for_codes() -> None:
    rng = np.random.default_rng(0)
    stores = rng.integers(0, 150, ROWS)
    level = rng.normal(0, 1, 150)
    frame = _sales((stores - 75) / 75, 2 * level[stores])

    assert _categoricals(frame) == "raw_codes"


def test_a_rounded_quantity_with_a_bent_effect_is_not() -> None:
    rng = np.random.default_rng(0)
    temperature = np.round(rng.uniform(-10, 35, ROWS), 1)  # 450 levels, neighbours act alike
    frame = _sales(temperature, ((temperature - 12) / 10) ** 2)

    assert _categoricals(frame) == "none"
