"""Ten classes labelled 1..10 for a model with ten outputs: the loss raises on the first
batch that holds a 10 (the bug)."""

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(1000, 8)
y = torch.randint(1, 11, (1000,))
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for _epoch in range(5):
    for start in range(0, len(X), 100):
        optimizer.zero_grad()
        loss = loss_fn(model(X[start : start + 100]), y[start : start + 100])
        loss.backward()
        optimizer.step()
