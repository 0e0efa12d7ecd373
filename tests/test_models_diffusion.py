"""Tests of dlcourse.models.diffusion: the DDPM schedule, forward jump, loss and sampler."""

from __future__ import annotations

import pytest
import torch

from dlcourse.models import DDPM, MLPDenoiser


def test_schedule_and_closed_form_jump() -> None:
    ddpm = DDPM(MLPDenoiser(data_dim=3, num_steps=50, hidden=8), num_steps=50)
    assert torch.allclose(ddpm.alpha_bar, torch.cumprod(1 - ddpm.betas, dim=0))
    x0, noise = torch.ones(2, 3), torch.zeros(2, 3)
    out = ddpm.q_sample(x0, torch.tensor([0, 49]), noise)
    assert torch.allclose(out[:, 0], ddpm.alpha_bar[[0, 49]].sqrt())


def test_closed_form_matches_the_chain_in_distribution() -> None:
    ddpm = DDPM(MLPDenoiser(data_dim=2, num_steps=20, hidden=8), num_steps=20, beta_end=0.3)
    g = torch.Generator().manual_seed(0)
    x0 = torch.tensor([1.0, -0.5])
    x = x0.expand(20_000, 2).clone()
    for beta in ddpm.betas:
        x = (1 - beta).sqrt() * x + beta.sqrt() * torch.randn(x.shape, generator=g)
    a = ddpm.alpha_bar[-1]
    assert torch.allclose(x.mean(0), a.sqrt() * x0, atol=0.03)
    assert torch.allclose(x.std(0), (1 - a).sqrt().expand(2), atol=0.03)


def test_training_lowers_the_loss_and_samples_land_near_the_data() -> None:
    torch.manual_seed(0)
    data = torch.tensor([[0.8, 0.8], [-0.8, -0.8]]).repeat(64, 1)
    ddpm = DDPM(
        MLPDenoiser(data_dim=2, num_steps=20, hidden=64, time_dim=8),
        num_steps=20,
        beta_start=1e-3,
        beta_end=0.3,
    )
    g = torch.Generator().manual_seed(0)
    optimizer = torch.optim.Adam(ddpm.parameters(), lr=3e-3)
    losses = []
    for _ in range(300):
        loss = ddpm.loss(data, generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-50:]) / 50 < 0.6 * sum(losses[:50]) / 50
    samples = ddpm.sample(200, generator=torch.Generator().manual_seed(1))
    nearest = torch.cdist(samples, data[:2]).min(dim=1).values
    assert nearest.median() < 0.3
    path = ddpm.sample(4, return_path=True)
    assert path.shape == (21, 4, 2)
    assert ddpm.training  # sample() puts the model back in training mode


def test_bad_schedule_is_named() -> None:
    with pytest.raises(ValueError, match="beta_start"):
        DDPM(MLPDenoiser(data_dim=2, num_steps=5), num_steps=5, beta_start=0.3, beta_end=0.1)
