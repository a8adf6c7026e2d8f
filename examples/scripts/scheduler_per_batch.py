"""Scheduler, gradient clipping and gradient accumulation (done right); the scheduler, meant
per epoch, is stepped after every batch (the bug), so the learning rate collapses."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(4000, 16)
y = X[:, :4].sum(dim=1, keepdim=True) + 0.1 * torch.randn(4000, 1)
train_loader = DataLoader(TensorDataset(X[:3200], y[:3200]), batch_size=32, shuffle=True)
valid_loader = DataLoader(TensorDataset(X[3200:], y[3200:]), batch_size=400)

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
loss_fn = nn.MSELoss()
ACCUMULATE = 2

for epoch in range(30):
    model.train()
    optimizer.zero_grad()
    for batch, (inputs, targets) in enumerate(train_loader):
        loss = loss_fn(model(inputs), targets) / ACCUMULATE
        loss.backward()
        if (batch + 1) % ACCUMULATE == 0:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
    model.eval()
    with torch.no_grad():
        valid = sum(loss_fn(model(x), t).item() for x, t in valid_loader)
    print(epoch, valid)
