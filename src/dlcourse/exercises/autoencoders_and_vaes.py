"""Checks for the exercises of Module 21, Autoencoders and VAEs."""

from __future__ import annotations

import torch
from torch.distributions import Normal, kl_divergence

from dlcourse.exercises import Exercise


def _kl(kl_standard_normal) -> str | None:
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1)
    result = kl_standard_normal(mu, logvar)
    if not isinstance(result, torch.Tensor):
        return "`kl_standard_normal` should return a tensor"
    if result.shape != (5,):
        return (
            f"for inputs of shape (5, 3) return one KL per row, shape (5,), not "
            f"{tuple(result.shape)}: sum over the last dimension only"
        )
    if torch.allclose(result, -expected, atol=1e-5):
        return "the sign is flipped: a KL divergence is never negative"
    if torch.allclose(result, expected / 3, atol=1e-5):
        return "sum over the latent dimensions, do not average them"
    if torch.allclose(result, 2 * expected, atol=1e-5):
        return "the closed form has a factor 1/2 in front of the sum"
    if not torch.allclose(result, expected, atol=1e-5):
        return (
            "not the KL to N(0, I) yet: the formula is 1/2 (mu² + σ² − 1 − log σ²) "
            "with σ² = exp(logvar)"
        )
    zero = kl_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3))
    if not torch.allclose(zero, torch.zeros(2)):
        return "for mu = 0 and logvar = 0 (the prior itself) the KL must be 0"
    return None


def _sample(sample_z) -> str | None:
    mu = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    logvar = torch.tensor([0.2, -0.4, 1.0], requires_grad=True)
    eps = torch.tensor([1.0, -0.5, 0.3])
    z = sample_z(mu, logvar, eps)
    if not isinstance(z, torch.Tensor) or z.shape != mu.shape:
        return "`sample_z` should return a tensor shaped like `mu`"
    sigma = torch.exp(0.5 * logvar.detach())
    expected = mu.detach() + sigma * eps
    if torch.allclose(z.detach(), mu.detach() + logvar.detach().exp() * eps):
        return "exp(logvar) is the variance σ²; multiply ε by σ = exp(logvar / 2)"
    if torch.allclose(z.detach(), mu.detach() + logvar.detach() * eps):
        return "logvar is log σ², not σ: use σ = exp(logvar / 2)"
    if not torch.allclose(z.detach(), expected):
        return "z should be mu + σ·eps with σ = exp(logvar / 2)"
    if not z.requires_grad:
        return "right values, but no gradient can reach mu and logvar: do not detach or sample"
    z.sum().backward()
    if mu.grad is None or logvar.grad is None:
        return "right values, but the gradient does not reach both mu and logvar"
    if not torch.allclose(mu.grad, torch.ones(3)) or not torch.allclose(
        logvar.grad, 0.5 * sigma * eps
    ):
        return "right values, but the gradients are not those of mu + σ·eps"
    return None


def _class_means(class_means, mu_test, y_test) -> str | None:
    if not isinstance(class_means, torch.Tensor) or tuple(class_means.shape) != (10, 2):
        return "`class_means` should be a (10, 2) tensor: one 2-D mean per digit"
    expected = torch.stack([mu_test[y_test == d].mean(0) for d in range(10)])
    if torch.allclose(class_means, expected.flip(0), atol=1e-5):
        return "the rows are in reverse order: row d should belong to digit d"
    if not torch.allclose(class_means, expected, atol=1e-5):
        return "row d should be the mean of the codes `mu_test[y_test == d]`"
    return None


def _toy_codes() -> dict[str, torch.Tensor]:
    """Ten classes of three codes each, with class means (d, -d)."""
    labels = torch.arange(10).repeat(3)
    offsets = torch.tensor([-1.0, 0.0, 1.0]).repeat_interleave(10).unsqueeze(1)
    codes = torch.stack([labels.float(), -labels.float()], 1) + offsets
    return {"mu_test": codes, "y_test": labels}


EXERCISES = (
    Exercise(
        1,
        "The KL in closed form",
        names=("kl_standard_normal",),
        test=_kl,
        wrong=(
            {
                "kl_standard_normal": lambda mu, logvar: (
                    -0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(-1)
                )
            },
            {
                "kl_standard_normal": lambda mu, logvar: (
                    0.5 * (mu**2 + logvar.exp() - 1 - logvar).mean(-1)
                )
            },
            {"kl_standard_normal": lambda mu, logvar: (mu**2 + logvar.exp() - 1 - logvar).sum(-1)},
            {"kl_standard_normal": lambda mu, logvar: 0.5 * (mu**2 + logvar.exp() - 1 - logvar)},
            {
                "kl_standard_normal": lambda mu, logvar: (
                    0.5 * (mu**2 + logvar**2 - 1 - logvar).sum(-1)
                )
            },
        ),
    ),
    Exercise(
        2,
        "Sample with a gradient",
        names=("sample_z",),
        test=_sample,
        wrong=(
            {"sample_z": lambda mu, logvar, eps: mu + logvar.exp() * eps},
            {"sample_z": lambda mu, logvar, eps: mu + logvar * eps},
            {"sample_z": lambda mu, logvar, eps: (mu + (0.5 * logvar).exp() * eps).detach()},
            {"sample_z": lambda mu, logvar, eps: mu + (0.5 * logvar).exp() * eps.abs()},
        ),
    ),
    Exercise(
        3,
        "The centre of each digit",
        names=("class_means", "mu_test", "y_test"),
        test=_class_means,
        wrong=(
            {"class_means": torch.zeros(10, 2), **_toy_codes()},
            {"class_means": torch.zeros(2, 10), **_toy_codes()},
            {
                "class_means": torch.stack([torch.arange(10.0), -torch.arange(10.0)], 1).flip(0),
                **_toy_codes(),
            },
            {"class_means": _toy_codes()["mu_test"][:10] + 0.5, **_toy_codes()},
        ),
    ),
)
