"""A healthy binary classifier on a table of standardised features."""

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from torch import nn


def table(seed: int) -> pd.DataFrame:
    features, label = make_classification(
        n_samples=2000, n_features=10, n_informative=6, flip_y=0.05, random_state=seed
    )
    frame = pd.DataFrame(features.astype(np.float32), columns=[f"f{i}" for i in range(10)])
    frame["label"] = label
    return frame


def experiment() -> dict:
    frame = table(seed=51)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        ),
        "train": frame.iloc[:1600],
        "valid": frame.iloc[1600:],
        "label": "label",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }
