"""Heating and cooling load of buildings from their geometry, two outputs, own training step."""

import numpy as np
import pandas as pd
import torch
from torch import nn

FEATURES = [
    "relative_compactness",
    "surface_area_m2",
    "wall_area_m2",
    "roof_area_m2",
    "overall_height_m",
    "glazing_area_ratio",
]
TARGETS = ["heating_load", "cooling_load"]


def buildings(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    compactness = rng.uniform(0.6, 1.0, n)
    surface = rng.uniform(500, 800, n)
    wall = rng.uniform(250, 420, n)
    roof = rng.uniform(110, 220, n)
    height = rng.choice([3.5, 7.0], n)
    glazing = rng.choice([0.0, 0.1, 0.25, 0.4], n)
    heating = 5 + 3 * height + 20 * glazing + 0.02 * wall - 8 * compactness * glazing
    cooling = 8 + 2.8 * height + 12 * glazing + 0.015 * roof + 0.01 * surface * compactness
    frame = pd.DataFrame(
        {
            "relative_compactness": compactness,
            "surface_area_m2": surface,
            "wall_area_m2": wall,
            "roof_area_m2": roof,
            "overall_height_m": height,
            "glazing_area_ratio": glazing,
            "heating_load": heating + rng.normal(0, 1.0, n),
            "cooling_load": cooling + rng.normal(0, 1.0, n),
        }
    )
    return frame.astype(np.float32)


class Scaled(torch.utils.data.Dataset):
    """Features and both targets standardised with the training split's statistics."""

    def __init__(self, frame: pd.DataFrame, reference: pd.DataFrame) -> None:
        x, ref_x = frame[FEATURES].to_numpy(), reference[FEATURES].to_numpy()
        y, ref_y = frame[TARGETS].to_numpy(), reference[TARGETS].to_numpy()
        self.x = torch.tensor((x - ref_x.mean(0)) / ref_x.std(0))
        self.y = torch.tensor((y - ref_y.mean(0)) / ref_y.std(0))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]


def train_step(model, batch, loss_fn, optimizer) -> float:
    features, loads = batch
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(features), loads)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    optimizer.step()
    return loss.item()


def experiment() -> dict:
    train = buildings(1500, seed=101)
    valid = buildings(400, seed=102)
    return {
        "model": lambda: nn.Sequential(
            nn.Linear(6, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        ),
        "train": Scaled(train, train),
        "valid": Scaled(valid, train),
        "loss": nn.MSELoss(),
        "optimizer": lambda params: torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-4),
        "batch_size": 32,
        "train_step": train_step,
        "task": "regression",
    }
