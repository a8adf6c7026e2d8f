"""A script that needs a data path on its command line: without it argparse exits."""

import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser(description="train the churn model")
parser.add_argument("--data", required=True, help="folder with the training tensors")
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()

model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
X, y = torch.randn(256, 4), torch.randn(256, 1)
for _epoch in range(args.epochs):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(X), y)
    loss.backward()
    optimizer.step()
