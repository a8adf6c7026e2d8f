"""Training inside main(), under the usual __main__ guard; the prediction (N, 1) meets a
target (N,) in the loss, which broadcasts to (N, N) (the bug)."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn


def make_data(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    rooms = torch.randint(1, 8, (count, 1), generator=generator).float()
    area = rooms * 18 + torch.randn(count, 1, generator=generator) * 5
    age = torch.rand(count, 1, generator=generator) * 50
    features = torch.cat([rooms, area / 100, age / 50], dim=1)
    noise = torch.randn(count, generator=generator)
    price = 0.5 * rooms[:, 0] + area[:, 0] / 40 - age[:, 0] / 60 + noise
    return features, price


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    features, price = make_data(2000)
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        for start in range(0, len(features), 50):
            inputs, targets = features[start : start + 50], price[start : start + 50]
            optimizer.zero_grad()
            loss = F.mse_loss(model(inputs), targets)
            loss.backward()
            optimizer.step()
        print(epoch, loss.item())


if __name__ == "__main__":
    main()
