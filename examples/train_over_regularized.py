"""Credit scoring, with care taken against overfitting."""

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from torch import nn


def applications(seed: int) -> pd.DataFrame:
    features, approved = make_classification(
        n_samples=2000, n_features=10, n_informative=6, random_state=seed
    )
    frame = pd.DataFrame(features.astype(np.float32), columns=[f"x{i}" for i in range(10)])
    frame["approved"] = approved
    return frame


def experiment() -> dict:
    frame = applications(seed=41)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(10, 64),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(64, 2),
        ),
        "train": frame.iloc[:1600],
        "valid": frame.iloc[1600:],
        "label": "approved",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3, weight_decay=1.0),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: weight decay 1e-4 instead of 1.0 (the dropout stays)."""
    return {
        **experiment(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3, weight_decay=1e-4),
    }
