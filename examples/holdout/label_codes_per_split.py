"""Wine cultivar from lab measurements; the label column is coded separately in each export."""

import numpy as np
import pandas as pd
import torch
from torch import nn

COLUMNS = ["alcohol", "malic_acid", "ash", "magnesium", "phenols", "flavanoids", "hue", "proline"]
CULTIVARS = ["barbera", "grignolino", "nebbiolo"]


def lab_export(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cultivar = rng.choice(CULTIVARS, n)
    centres = np.random.default_rng(3).normal(0, 1.2, (len(CULTIVARS), len(COLUMNS)))
    index = np.array([CULTIVARS.index(c) for c in cultivar])
    values = centres[index] + rng.normal(0, 1, (n, len(COLUMNS)))
    frame = pd.DataFrame(values.astype(np.float32), columns=COLUMNS)
    frame["cultivar"] = cultivar
    return frame


def encode(frame: pd.DataFrame) -> pd.DataFrame:
    """Class names to integers, in order of first appearance (pd.factorize), per file."""
    coded = frame.copy()
    coded["cultivar"] = pd.factorize(coded["cultivar"])[0]
    return coded


def experiment() -> dict:
    train = lab_export(1500, seed=71)
    valid = lab_export(400, seed=72)
    return {
        "model": lambda: nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3)),
        "train": encode(train),
        "valid": encode(valid),
        "label": "cultivar",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }
