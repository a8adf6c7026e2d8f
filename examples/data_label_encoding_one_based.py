"""Product review ratings predicted from text embeddings."""

import torch
from sklearn.datasets import make_classification
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def reviews(seed: int, first_star: int = 1) -> TensorDataset:
    embedding, stars = make_classification(
        n_samples=1500, n_features=24, n_informative=10, n_classes=5, random_state=seed
    )
    stars = stars + first_star  # ratings as shown on the site
    return TensorDataset(
        torch.tensor(embedding, dtype=torch.float32), torch.tensor(stars, dtype=torch.long)
    )


def experiment() -> dict:
    return {
        "model": lambda: nn.Sequential(nn.Linear(24, 64), nn.ReLU(), nn.Linear(64, 5)),
        "train": DataLoader(
            reviews(seed=1), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)
        ),
        "valid": DataLoader(reviews(seed=2), batch_size=256),
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
    }


def experiment_fixed() -> dict:
    """The twin: ratings coded 0 to 4, as CrossEntropyLoss expects class indices."""
    return {
        **experiment(),
        "train": DataLoader(
            reviews(seed=1, first_star=0),
            batch_size=32,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),
        "valid": DataLoader(reviews(seed=2, first_star=0), batch_size=256),
    }
