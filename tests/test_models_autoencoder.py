"""Autoencoders and the VAE learn on the digits; the KL and the reparameterization are exact
(dlcourse.models.autoencoder)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from dlcourse.data import load_digit_images
from dlcourse.models import VAE, Autoencoder, elbo_terms, gaussian_kl, reparameterize


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return load_digit_images()[0][:400]


def test_autoencoder_learns_to_reconstruct_digits(digits: torch.Tensor) -> None:
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    first = F.mse_loss(model(digits), digits).item()
    for _ in range(150):
        loss = F.mse_loss(model(digits), digits)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model(digits).shape == digits.shape
    assert loss.item() < first / 3
    flat = digits.flatten(1)
    assert model(flat).shape == flat.shape  # flat inputs work too


def test_reparameterize_moments_and_gradients() -> None:
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    g = torch.Generator().manual_seed(0)
    z = reparameterize(mu.expand(20_000, 2), logvar.expand(20_000, 2), g)
    assert z.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.05)
    assert z.std(0).tolist() == pytest.approx([1.0, 2.0], abs=0.05)
    # d/dlogvar E[z^2] = sigma^2: the pathwise gradient is right on average
    (z**2).mean(0).sum().backward()
    assert mu.grad.tolist() == pytest.approx([2.0, -4.0], abs=0.1)
    assert logvar.grad.tolist() == pytest.approx([1.0, 4.0], rel=0.05)


def test_reparameterize_is_reproducible_with_a_generator() -> None:
    mu, logvar = torch.zeros(4), torch.zeros(4)
    a = reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    b = reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_gaussian_kl_matches_torch_distributions() -> None:
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(6, 3, generator=g), torch.randn(6, 3, generator=g)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(gaussian_kl(mu, logvar), expected, atol=1e-5)
    assert gaussian_kl(torch.zeros(1, 3), torch.zeros(1, 3)).item() == 0.0


def test_elbo_terms_are_per_example_means() -> None:
    x = torch.rand(5, 1, 8, 8)
    recon = torch.full_like(x, 0.5)
    mu, logvar = torch.ones(5, 2), torch.zeros(5, 2)
    rec, kl = elbo_terms(recon, x, mu, logvar)
    assert rec.item() == pytest.approx(64 * math.log(2), rel=1e-5)  # BCE at p = 1/2 is ln 2
    assert kl.item() == pytest.approx(1.0)  # each of 2 dims: mu^2 / 2


def test_vae_trains_both_terms_and_decodes_prior_samples(digits: torch.Tensor) -> None:
    torch.manual_seed(0)
    model = VAE(latent_dim=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    history = []
    for _ in range(150):
        recon, mu, logvar = model(digits)
        rec, kl = elbo_terms(recon, digits, mu, logvar)
        optimizer.zero_grad()
        (rec + kl).backward()
        optimizer.step()
        history.append((rec.item(), kl.item()))
    assert history[-1][0] < history[0][0] - 5  # reconstruction improves
    assert history[-1][1] > 0.5  # the codes carry information: the KL is not zero
    samples = model.decode(torch.randn(8, 2))
    assert samples.shape == (8, 64) and ((samples >= 0) & (samples <= 1)).all()
