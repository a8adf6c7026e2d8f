"""A DataLoader with worker processes, as most image pipelines have; training is healthy."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randn(2000, 10)
    y = (X[:, :3].sum(dim=1) > 0).long()
    loader = DataLoader(TensorDataset(X, y), batch_size=50, shuffle=True, num_workers=2)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _epoch in range(5):
        for inputs, labels in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(inputs), labels).backward()
            optimizer.step()
