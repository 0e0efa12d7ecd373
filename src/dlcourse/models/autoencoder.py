"""Autoencoders: a plain (or denoising) MLP autoencoder and a variational autoencoder (VAE).

Introduced in *Autoencoders and VAEs*
(Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["VAE", "Autoencoder", "elbo_terms", "gaussian_kl", "reparameterize"]


class Autoencoder(nn.Module):
    """An MLP autoencoder: ``encoder`` squeezes an input into ``latent_dim`` numbers (the code),
    ``decoder`` rebuilds the input from them, with a sigmoid so pixels land in [0, 1].

    Inputs may be flat ``(N, in_features)`` or images ``(N, 1, H, W)``; the reconstruction has
    the input's shape. Trained on noisy inputs with clean targets it is a *denoising*
    autoencoder; the model is the same. Introduced in *Autoencoders and VAEs*
    (Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).

    >>> model = Autoencoder(in_features=64, hidden=32, latent_dim=4)
    >>> x = torch.rand(5, 1, 8, 8)
    >>> model.encoder(x).shape, model(x).shape
    (torch.Size([5, 4]), torch.Size([5, 1, 8, 8]))
    >>> bool(((model(x) >= 0) & (model(x) <= 1)).all())
    True
    """

    def __init__(self, in_features: int = 64, hidden: int = 128, latent_dim: int = 8) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, latent_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, in_features),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of ``x``, of the same shape."""
        return self.decoder(self.encoder(x)).view_as(x)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """A sample ``z = μ + σ·ε`` of ``N(μ, σ²)`` with ``σ = exp(logvar / 2)`` and ``ε ~ N(0, I)``.

    The randomness sits in ``ε``, which depends on no parameter, so gradients flow from ``z``
    back to ``mu`` and ``logvar`` (the *reparameterization trick*; ``Normal.rsample`` does the
    same). Introduced in *Autoencoders and VAEs*
    (Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).

    >>> mu = torch.zeros(3, requires_grad=True)
    >>> logvar = torch.zeros(3, requires_grad=True)
    >>> z = reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    >>> z.sum().backward()
    >>> mu.grad.tolist()
    [1.0, 1.0, 1.0]
    """
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL divergence ``KL(N(μ, σ²) || N(0, I))`` in closed form, one value per row:
    ``½ Σ (μ² + σ² - 1 - log σ²)`` over the last dimension.

    It is 0 exactly when ``μ = 0`` and ``σ = 1``. Introduced in *Autoencoders and VAEs*
    (Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).

    >>> gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3)).tolist()
    [0.0, 0.0]
    >>> round(gaussian_kl(torch.tensor([[1.0]]), torch.tensor([[0.0]])).item(), 3)
    0.5
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)


def elbo_terms(
    recon: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two terms of a VAE's loss (the negative ELBO), each averaged over the batch.

    ``reconstruction`` is the binary cross-entropy of ``recon`` against ``x`` summed over each
    example's pixels (−log p(x | z) for pixels read as Bernoulli probabilities); ``kl`` is
    :func:`gaussian_kl`. The loss to minimize is their sum. Introduced in *Autoencoders and
    VAEs* (Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).

    >>> x = torch.full((4, 64), 0.5)
    >>> rec, kl = elbo_terms(x, x, torch.zeros(4, 2), torch.zeros(4, 2))
    >>> round(rec.item(), 2), kl.item()  # 64 pixels of cross-entropy ln 2
    (44.36, 0.0)
    """
    reconstruction = F.binary_cross_entropy(recon, x, reduction="sum") / len(x)
    kl = gaussian_kl(mu, logvar).mean()
    return reconstruction, kl


class VAE(nn.Module):
    """A variational autoencoder with MLP encoder and decoder.

    ``encode`` maps an input to the mean ``mu`` and log-variance ``logvar`` of a Gaussian over
    ``latent_dim`` numbers; ``forward`` draws ``z`` from it with :func:`reparameterize` and
    returns ``(decode(z), mu, logvar)``, the reconstruction shaped like the input. ``decode``
    turns any ``z`` of shape ``(N, latent_dim)`` into flat pixels in [0, 1], so samples from
    the prior ``N(0, I)`` decode into new images. Introduced in *Autoencoders and VAEs*
    (Module 21, https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html).

    >>> model = VAE(in_features=64, hidden=32, latent_dim=2)
    >>> recon, mu, logvar = model(torch.rand(5, 1, 8, 8))
    >>> recon.shape, mu.shape, logvar.shape
    (torch.Size([5, 1, 8, 8]), torch.Size([5, 2]), torch.Size([5, 2]))
    >>> model.decode(torch.randn(3, 2)).shape
    torch.Size([3, 64])
    """

    def __init__(self, in_features: int = 64, hidden: int = 128, latent_dim: int = 2) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent_dim)
        self.logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, in_features),
            nn.Sigmoid(),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The mean and log-variance of ``q(z | x)``, each ``(N, latent_dim)``."""
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Flat pixels in [0, 1], ``(N, in_features)``, for codes ``z`` of ``(N, latent_dim)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(reconstruction shaped like x, mu, logvar)`` for one sampled ``z`` per input."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)
        return self.decode(z).view_as(x), mu, logvar
