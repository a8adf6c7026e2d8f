"""A plain training loop over tensors with no validation pass at all: nothing is wrong.

Without validation data nothing can say the model overfits, so no fault may be raised."""

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(2400, 20)
w = torch.randn(20, 3)
y = (X @ w).argmax(dim=1)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(20):
    permutation = torch.randperm(len(X))
    for start in range(0, len(X), 64):
        index = permutation[start : start + 64]
        optimizer.zero_grad()
        loss = loss_fn(model(X[index]), y[index])
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: train {loss.item():.4f}")
