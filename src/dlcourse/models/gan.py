"""Generative adversarial networks: an MLP generator and discriminator and their training loop.

Introduced in *Generative Adversarial Networks and Diffusion* (Module 22,
https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MLPDiscriminator", "MLPGenerator", "train_gan"]


class MLPGenerator(nn.Module):
    """Noise ``z`` of ``latent_dim`` numbers → two ReLU layers → ``out_features`` in (0, 1).

    The sigmoid at the end matches images scaled to [0, 1], like the digits of
    :func:`dlcourse.data.load_digit_images` (flattened to 64 numbers). Introduced in
    *Generative Adversarial Networks and Diffusion* (Module 22,
    https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).

    >>> G = MLPGenerator(latent_dim=16)
    >>> x = G(torch.randn(5, 16))
    >>> x.shape, bool(x.min() >= 0), bool(x.max() <= 1)
    (torch.Size([5, 64]), True, True)
    """

    def __init__(self, latent_dim: int = 16, hidden: int = 128, out_features: int = 64) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_features),
            nn.Sigmoid(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"MLPGenerator expects noise of shape (N, {self.latent_dim}), got "
                f"{tuple(z.shape)}: draw it with torch.randn(N, {self.latent_dim})"
            )
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``in_features`` numbers → two LeakyReLU(0.2) layers → one logit, "real" when positive.

    It returns a logit, not a probability, to be paired with ``nn.BCEWithLogitsLoss``.
    Introduced in *Generative Adversarial Networks and Diffusion* (Module 22,
    https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).

    >>> D = MLPDiscriminator()
    >>> D(torch.rand(5, 64)).shape
    torch.Size([5, 1])
    """

    def __init__(self, in_features: int = 64, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


def train_gan(
    generator: MLPGenerator,
    discriminator: MLPDiscriminator,
    X: torch.Tensor,
    num_steps: int,
    *,
    lr_g: float = 2e-3,
    lr_d: float = 1e-3,
    betas: tuple[float, float] = (0.5, 0.999),
    batch_size: int = 64,
    seed: int = 0,
    snapshot_at: tuple[int, ...] = (),
    z_fixed: torch.Tensor | None = None,
) -> tuple[dict[str, list[float]], dict[int, torch.Tensor]]:
    """Train a GAN on the rows of ``X`` (flattened images) for ``num_steps`` steps.

    Each step has two moves, one per player, each with its own Adam optimizer:

    1. the discriminator sees a batch of real rows (target 1) and a batch of generated ones
       (target 0, generated under ``detach`` so the generator is not updated) and takes a step on
       their binary cross-entropy;
    2. the generator draws fresh noise and takes a step to make the discriminator say "real"
       (target 1) on its output: the non-saturating loss.

    Batches and noise come from a private generator seeded with ``seed``, so a run repeats
    exactly. Returns the history (``d_loss`` and ``g_loss`` at every step) and, for each step
    in ``snapshot_at`` (counted from 1; 0 means before training), the generator's output on the
    fixed noise ``z_fixed``. This loop is not :func:`dlcourse.train.fit`: two models take turns
    on two losses. Introduced in *Generative Adversarial Networks and Diffusion* (Module 22,
    https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).

    >>> torch.manual_seed(0) and None
    >>> G, D = MLPGenerator(latent_dim=4, hidden=16), MLPDiscriminator(hidden=16)
    >>> history, shots = train_gan(G, D, torch.rand(32, 64), 5, snapshot_at=(0, 5),
    ...                            z_fixed=torch.randn(3, 4))
    >>> len(history["d_loss"]), len(history["g_loss"]), sorted(shots), shots[5].shape
    (5, 5, [0, 5], torch.Size([3, 64]))
    """
    if X.dim() != 2:
        raise ValueError(f"train_gan: X must be flat rows (N, features), got {tuple(X.shape)}")
    if snapshot_at and z_fixed is None:
        raise ValueError("train_gan: snapshot_at needs z_fixed, the noise to show the images of")
    g = torch.Generator().manual_seed(seed)
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=betas)
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)
    history: dict[str, list[float]] = {"d_loss": [], "g_loss": []}
    shots: dict[int, torch.Tensor] = {}

    def snapshot(step: int) -> None:
        if step in snapshot_at:
            with torch.no_grad():
                shots[step] = generator(z_fixed).detach().clone()

    snapshot(0)
    for step in range(1, num_steps + 1):
        real = X[torch.randint(len(X), (batch_size,), generator=g)]
        z = torch.randn(batch_size, generator.latent_dim, generator=g)
        fake = generator(z)
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()

        z = torch.randn(batch_size, generator.latent_dim, generator=g)
        g_loss = bce(discriminator(generator(z)), ones)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()

        history["d_loss"].append(d_loss.item())
        history["g_loss"].append(g_loss.item())
        snapshot(step)
    return history, shots
