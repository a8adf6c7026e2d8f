"""A custom Dataset and a DataLoader; the loop never clears the gradients (the bug)."""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Readings(Dataset):
    """Sensor readings and whether the machine failed afterwards."""

    def __init__(self, count: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.features = torch.randn(count, 12, generator=generator)
        weights = torch.linspace(-1, 1, 12)
        self.labels = (self.features @ weights > 0).float()

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


train_loader = DataLoader(Readings(2000, seed=1), batch_size=32, shuffle=True)
valid_loader = DataLoader(Readings(400, seed=2), batch_size=200)
model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 1))
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(10):
    model.train()
    for features, labels in train_loader:
        logits = model(features).squeeze(1)
        loss = criterion(logits, labels)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        valid = sum(criterion(model(x).squeeze(1), t).item() for x, t in valid_loader)
    print(epoch, loss.item(), valid)
