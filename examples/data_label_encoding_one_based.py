"""Product review ratings predicted from text embeddings."""

import torch
from sklearn.datasets import make_classification
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

#: Reviews held out for validation, from the same draw as the training reviews.
VALID_REVIEWS = 300


def reviews(first_star: int = 1) -> tuple[TensorDataset, TensorDataset]:
    """Training and validation reviews: one population, split, as a site's reviews would be.

    Two calls of make_classification with different seeds draw different class centres, so
    validation data drawn apart from training data has nothing to learn from it.
    """
    embedding, stars = make_classification(
        n_samples=1500 + VALID_REVIEWS,
        n_features=24,
        n_informative=10,
        n_classes=5,
        class_sep=1.5,
        random_state=1,
    )
    stars = stars + first_star  # ratings as shown on the site
    features = torch.tensor(embedding, dtype=torch.float32)
    ratings = torch.tensor(stars, dtype=torch.long)
    return (
        TensorDataset(features[VALID_REVIEWS:], ratings[VALID_REVIEWS:]),
        TensorDataset(features[:VALID_REVIEWS], ratings[:VALID_REVIEWS]),
    )


def loaders(first_star: int) -> dict:
    train, valid = reviews(first_star)
    return {
        "train": DataLoader(
            train, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)
        ),
        "valid": DataLoader(valid, batch_size=256),
    }


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(24, 64), nn.ReLU(), nn.Linear(64, 5)),
        **loaders(first_star=1),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
    }


def experiment_fixed() -> dict:
    """The twin: ratings coded 0 to 4, as CrossEntropyLoss expects class indices."""
    return {**experiment(), **loaders(first_star=0)}
