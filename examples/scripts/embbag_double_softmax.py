"""A bag-of-words topic classifier: the collate_fn builds (tokens, offsets) for an EmbeddingBag,
as in the PyTorch text tutorial, and the model ends in a softmax before CrossEntropyLoss (the
bug: the loss applies log-softmax itself, so the gradients shrink and training crawls)."""

import torch
from torch import nn
from torch.utils.data import DataLoader

VOCABULARY, TOPICS = 400, 4


def documents(count: int, seed: int) -> list[tuple[int, torch.Tensor]]:
    """Documents of 5-30 tokens; each topic favours its own quarter of the vocabulary."""
    generator = torch.Generator().manual_seed(seed)
    found = []
    for _ in range(count):
        topic = int(torch.randint(TOPICS, (1,), generator=generator))
        length = int(torch.randint(5, 31, (1,), generator=generator))
        own = torch.randint(100, (length,), generator=generator) + 100 * topic
        noise = torch.randint(VOCABULARY, (length,), generator=generator)
        mix = torch.rand(length, generator=generator) < 0.6
        found.append((topic, torch.where(mix, own, noise)))
    return found


def collate(
    batch: list[tuple[int, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    labels = torch.tensor([label for label, _ in batch])
    lengths = torch.tensor([0] + [len(tokens) for _, tokens in batch[:-1]])
    return torch.cat([tokens for _, tokens in batch]), lengths.cumsum(0), labels


class TopicModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(VOCABULARY, 32, mode="mean")
        self.head = nn.Linear(32, TOPICS)

    def forward(self, tokens: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.head(self.bag(tokens, offsets)), dim=1)


train_loader = DataLoader(documents(2000, seed=1), batch_size=32, shuffle=True, collate_fn=collate)
valid_loader = DataLoader(documents(400, seed=2), batch_size=200, collate_fn=collate)
model = TopicModel()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for epoch in range(10):
    model.train()
    for tokens, offsets, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(tokens, offsets), labels)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        right = sum((model(t, o).argmax(1) == y).sum().item() for t, o, y in valid_loader)
    print(epoch, loss.item(), right / 400)
