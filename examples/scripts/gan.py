"""A small GAN: a generator and a discriminator, each with its own optimizer."""

import torch
from torch import nn

torch.manual_seed(0)
real_data = torch.randn(2048, 2) * 0.3 + torch.tensor([2.0, -1.0])
generator = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
discriminator = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
criterion = nn.BCEWithLogitsLoss()

for _epoch in range(50):
    for start in range(0, len(real_data), 64):
        real = real_data[start : start + 64]
        noise = torch.randn(len(real), 4)
        fake = generator(noise)
        d_optimizer.zero_grad()
        d_loss = criterion(discriminator(real), torch.ones(len(real), 1)) + criterion(
            discriminator(fake.detach()), torch.zeros(len(real), 1)
        )
        d_loss.backward()
        d_optimizer.step()
        g_optimizer.zero_grad()
        g_loss = criterion(discriminator(fake), torch.ones(len(real), 1))
        g_loss.backward()
        g_optimizer.step()
