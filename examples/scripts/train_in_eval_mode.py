"""The loop evaluates once before training and never switches back: dropout and batch norm
train in eval mode (the bug)."""

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(2000, 10) * 3 + 1
y = (X[:, 0] * X[:, 1] > 0).long()


def evaluate(model: nn.Module) -> float:
    model.eval()
    with torch.no_grad():
        return (model(X[1600:]).argmax(1) == y[1600:]).float().mean().item()


model = nn.Sequential(
    nn.Linear(10, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 2)
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
print("before training", evaluate(model))
for epoch in range(20):
    for start in range(0, 1600, 32):
        optimizer.zero_grad()
        loss = loss_fn(model(X[start : start + 32]), y[start : start + 32])
        loss.backward()
        optimizer.step()
    print(epoch, loss.item())
