"""Wine quality in three classes from chemical measurements."""

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import make_classification
from torch import nn


def samples(seed: int) -> pd.DataFrame:
    features, quality = make_classification(
        n_samples=1500, n_features=11, n_informative=6, n_classes=3, random_state=seed
    )
    frame = pd.DataFrame(features.astype(np.float32), columns=[f"chem_{i}" for i in range(11)])
    frame["quality"] = quality
    return frame


def experiment() -> dict:
    frame = samples(seed=31)
    return {
        "model": lambda: nn.Sequential(nn.Linear(11, 64), nn.ReLU(), nn.Linear(64, 3)),
        "train": frame.iloc[:1200],
        "valid": frame.iloc[1200:],
        "label": "quality",
        "loss": nn.NLLLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 32,
    }


def experiment_fixed() -> dict:
    """The twin: CrossEntropyLoss, which takes the logits the model returns."""
    return {**experiment(), "loss": nn.CrossEntropyLoss()}
