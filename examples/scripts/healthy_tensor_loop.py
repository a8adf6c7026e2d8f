"""A plain training loop over tensors, with a validation pass each epoch: nothing is wrong."""

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(3000, 20)
w = torch.randn(20, 3)
y = (X @ w).argmax(dim=1)
X_train, y_train, X_valid, y_valid = X[:2400], y[:2400], X[2400:], y[2400:]

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(20):
    model.train()
    permutation = torch.randperm(len(X_train))
    for start in range(0, len(X_train), 64):
        index = permutation[start : start + 64]
        optimizer.zero_grad()
        loss = loss_fn(model(X_train[index]), y_train[index])
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        valid_loss = loss_fn(model(X_valid), y_valid)
    print(f"epoch {epoch}: train {loss.item():.4f} valid {valid_loss.item():.4f}")
