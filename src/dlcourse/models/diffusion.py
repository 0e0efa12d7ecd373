"""Denoising diffusion (DDPM): a noise schedule, its forward and reverse processes, an MLP denoiser.

Introduced in *Generative Adversarial Networks and Diffusion* (Module 22,
https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DDPM", "MLPDenoiser"]


class MLPDenoiser(nn.Module):
    """Predicts the noise in ``x_t`` from ``x_t`` and the step ``t``: an MLP with SiLU.

    The step enters through a learned embedding of ``time_dim`` numbers per step (one row per
    ``t`` in ``0 … num_steps − 1``), concatenated to the input. Introduced in *Generative
    Adversarial Networks and Diffusion* (Module 22,
    https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).

    >>> net = MLPDenoiser(data_dim=64, num_steps=100)
    >>> net(torch.randn(5, 64), torch.tensor([0, 1, 2, 50, 99])).shape
    torch.Size([5, 64])
    """

    def __init__(
        self, data_dim: int = 64, num_steps: int = 100, hidden: int = 256, time_dim: int = 32
    ) -> None:
        super().__init__()
        self.data_dim = data_dim
        self.time = nn.Embedding(num_steps, time_dim)
        self.net = nn.Sequential(
            nn.Linear(data_dim + time_dim, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, data_dim),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, self.time(t)], dim=1))


class DDPM(nn.Module):
    """A denoising diffusion model (Ho et al., 2020) around a noise-predicting ``denoiser``.

    ``denoiser(x_t, t)`` must return a guess of the noise, shaped like ``x_t``, and have a
    ``data_dim`` attribute (the length of a row), as :class:`MLPDenoiser` does. The noise
    schedule is ``betas`` rising linearly from ``beta_start`` to ``beta_end`` over
    ``num_steps`` steps; ``alpha_bar[t]`` is the product of ``1 − beta`` up to step ``t``
    (steps count from 0). :meth:`q_sample` jumps from clean data to step ``t`` in one go,
    :meth:`loss` is the simple DDPM objective (mean squared error between the true and the
    predicted noise, at a random step per example), :meth:`sample` runs the reverse chain
    from pure noise. Data should be scaled to about [-1, 1]. Introduced in *Generative
    Adversarial Networks and Diffusion* (Module 22,
    https://dlcourse.github.io/dlcourse/modules/generative-adversarial-networks-and-diffusion.html).

    >>> ddpm = DDPM(MLPDenoiser(data_dim=4, num_steps=10, hidden=8), num_steps=10)
    >>> ddpm.alpha_bar.shape, bool(ddpm.alpha_bar[-1] < ddpm.alpha_bar[0])
    (torch.Size([10]), True)
    >>> g = torch.Generator().manual_seed(0)
    >>> loss = ddpm.loss(torch.zeros(6, 4), generator=g)
    >>> loss.shape, ddpm.sample(3, generator=g).shape
    (torch.Size([]), torch.Size([3, 4]))
    """

    def __init__(
        self,
        denoiser: nn.Module,
        num_steps: int = 100,
        beta_start: float = 1e-3,
        beta_end: float = 0.2,
    ) -> None:
        super().__init__()
        if not 0 < beta_start <= beta_end < 1:
            raise ValueError(
                f"DDPM: need 0 < beta_start <= beta_end < 1, got {beta_start} and {beta_end}"
            )
        self.denoiser = denoiser
        self.num_steps = num_steps
        betas = torch.linspace(beta_start, beta_end, num_steps)
        self.register_buffer("betas", betas)
        self.register_buffer("alpha_bar", torch.cumprod(1 - betas, dim=0))

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x_t = sqrt(alpha_bar[t]) · x0 + sqrt(1 − alpha_bar[t]) · noise``, one ``t`` per row."""
        a = self.alpha_bar[t].view(-1, *([1] * (x0.dim() - 1)))
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    def loss(self, x0: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Noise clean rows ``x0`` to a random step each; MSE of the denoiser's noise guess."""
        t = torch.randint(self.num_steps, (len(x0),), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        return F.mse_loss(self.denoiser(self.q_sample(x0, t, noise), t), noise)

    @torch.no_grad()
    def sample(
        self, n: int, generator: torch.Generator | None = None, return_path: bool = False
    ) -> torch.Tensor:
        """``n`` samples from the reverse chain, started from standard normal noise.

        Each step removes the predicted noise and, except at the last step, adds fresh noise of
        variance ``beta[t]``. With ``return_path=True`` it returns every ``x_t`` on the way,
        stacked as ``(num_steps + 1, n, dim)`` from ``x_T`` down to ``x_0``.
        """
        self.eval()
        x = torch.randn(n, self.denoiser.data_dim, generator=generator)
        path = [x]
        for t in reversed(range(self.num_steps)):
            beta, a_bar = self.betas[t], self.alpha_bar[t]
            eps = self.denoiser(x, torch.full((n,), t))
            x = (x - beta / (1 - a_bar).sqrt() * eps) / (1 - beta).sqrt()
            if t > 0:
                x = x + beta.sqrt() * torch.randn(x.shape, generator=generator)
            path.append(x)
        self.train()
        return torch.stack(path) if return_path else x
