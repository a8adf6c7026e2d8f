"""Pump failure mode from maintenance-log columns; the hidden layers live in a plain list."""

import numpy as np
import pandas as pd
import torch
from torch import nn

COLUMNS = [
    "vibration_rms",
    "bearing_temp_c",
    "motor_current_a",
    "suction_pressure_bar",
    "discharge_pressure_bar",
    "flow_m3h",
    "rpm",
    "oil_particles_ppm",
]


def maintenance_log(n: int, seed: int) -> pd.DataFrame:
    """Failure modes 0-4 decided by interactions between the readings; columns standardised."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1, (n, len(COLUMNS)))
    scores = np.column_stack(
        [
            -np.abs(z[:, 0]) - np.abs(z[:, 1]),
            z[:, 0] * z[:, 1],
            z[:, 2] * z[:, 3] + z[:, 5],
            np.abs(z[:, 4] - z[:, 3]) - 0.5,
            z[:, 7] ** 2 - 1 + z[:, 6] * z[:, 2],
        ]
    )
    frame = pd.DataFrame(z.astype(np.float32), columns=COLUMNS)
    frame["failure_mode"] = scores.argmax(axis=1)
    return frame


class PumpNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        # a list so the depth is easy to change from the config
        self.hidden = [nn.Linear(8, 64), nn.Linear(64, 64), nn.Linear(64, 16)]
        self.out = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


def experiment() -> dict:
    torch.manual_seed(0)
    return {
        "model": PumpNet,
        "train": maintenance_log(2000, seed=41),
        "valid": maintenance_log(500, seed=42),
        "label": "failure_mode",
        "loss": nn.CrossEntropyLoss(),
        "optimizer": lambda params: torch.optim.Adam(params, lr=1e-3),
        "batch_size": 64,
    }
