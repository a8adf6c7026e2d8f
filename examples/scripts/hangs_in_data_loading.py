"""Its Dataset waits forever on a resource that never comes (a stuck network read)."""

import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class RemoteImages(Dataset):
    def __len__(self) -> int:
        return 1000

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        while True:  # the read never returns
            time.sleep(0.5)


model = nn.Linear(8, 2)
optimizer = torch.optim.Adam(model.parameters())
for inputs, labels in DataLoader(RemoteImages(), batch_size=16):
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(inputs), labels).backward()
    optimizer.step()
