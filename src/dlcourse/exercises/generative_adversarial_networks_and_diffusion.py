"""Checks for the exercises of Module 22, Generative Adversarial Networks and Diffusion."""

from __future__ import annotations

import math

import torch

from dlcourse.exercises import Exercise


def _reference_noise_to(
    x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, betas: torch.Tensor
) -> torch.Tensor:
    alpha_bar = torch.cumprod(1 - betas, dim=0)[t].unsqueeze(1)
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise


def _noise_to(noise_to) -> str | None:
    g = torch.Generator().manual_seed(0)
    betas = torch.linspace(1e-3, 0.2, 100)
    x0 = torch.rand(4, 6, generator=g) * 2 - 1
    noise = torch.randn(4, 6, generator=g)
    t = torch.tensor([0, 10, 57, 99])
    result = noise_to(x0, t, noise, betas)
    if not isinstance(result, torch.Tensor) or result.shape != x0.shape:
        return "`noise_to` should return a tensor shaped like `x0`: one noised row per row"
    last = len(betas) - 1
    for shifted in ((t + 1).clamp(max=last), (t - 1).clamp(min=0)):
        if torch.allclose(result, _reference_noise_to(x0, shifted, noise, betas)):
            return "off by one step: in the code `t = 0` is one step of noise, alpha_bar[0]"
    bar = torch.cumprod(1 - betas, dim=0)[t].unsqueeze(1)
    if torch.allclose(result, bar * x0 + (1 - bar) * noise):
        return "scale by the square roots: sqrt(alpha_bar) and sqrt(1 - alpha_bar)"
    if torch.allclose(result, bar.sqrt() * x0 + bar.sqrt().mul(-1).add(1) * noise):
        return "the noise's factor is sqrt(1 - alpha_bar), not 1 - sqrt(alpha_bar)"
    one_step = (1 - betas[t]).unsqueeze(1)
    if torch.allclose(result, one_step.sqrt() * x0 + (1 - one_step).sqrt() * noise):
        return "use alpha_bar, the running product of (1 - beta), not the single step's alpha"
    if not torch.allclose(result, _reference_noise_to(x0, t, noise, betas), atol=1e-6):
        return "not sqrt(alpha_bar[t]) * x0 + sqrt(1 - alpha_bar[t]) * noise for each row's own t"
    return None


def _covered(classes_covered) -> str | None:
    labels = torch.tensor([3] * 90 + [5] * 6 + [7] * 2 + [0] * 2)  # 100 samples
    setting = "with 90 threes, 6 fives, 2 sevens and 2 zeros"
    for share, want in ((0.02, 4), (0.05, 2), (0.5, 1), (0.95, 0)):
        got = classes_covered(labels, share)
        if isinstance(got, torch.Tensor):
            return "return a Python int (use int(...)), not a tensor"
        if got == want:
            continue
        if share == 0.02 and got == 2:
            return f"{setting}, min_share=0.02 covers 4: a class with exactly the share counts"
        if got == 4:
            return f"{setting}, min_share={share} covers {want}: count only classes that reach it"
        return f"{setting} and min_share={share}, {want} classes reach the share, not {got}"
    return None


def _half(d_loss_half, g_loss_half) -> str | None:
    for name, value in (("d_loss_half", d_loss_half), ("g_loss_half", g_loss_half)):
        if not isinstance(value, float):
            return f"`{name}` should be a Python float (use .item())"
    if math.isclose(d_loss_half, math.log(2), rel_tol=1e-4):
        return "the discriminator's loss has two terms, real against 1 and fake against 0"
    if not math.isclose(d_loss_half, 2 * math.log(2), rel_tol=1e-4):
        return "`d_loss_half`: the BCE of logit 0 against 1 plus that against 0"
    if not math.isclose(g_loss_half, math.log(2), rel_tol=1e-4):
        return "`g_loss_half`: one term, the BCE of the fakes' logit 0 against target 1"
    return None


def _wrong_noise_to(kind: str):
    def answer(x0, t, noise, betas):
        bar = torch.cumprod(1 - betas, dim=0)
        if kind == "off-by-one":  # steps counted from 1, as in the text
            a = bar[(t - 1).clamp(min=0)].unsqueeze(1)
            return a.sqrt() * x0 + (1 - a).sqrt() * noise
        if kind == "no-sqrt":
            a = bar[t].unsqueeze(1)
            return a * x0 + (1 - a) * noise
        if kind == "single-step":
            a = (1 - betas[t]).unsqueeze(1)
            return a.sqrt() * x0 + (1 - a).sqrt() * noise
        a = bar[t].unsqueeze(1)  # "one-minus-sqrt"
        return a.sqrt() * x0 + (1 - a.sqrt()) * noise

    return answer


EXERCISES = (
    Exercise(
        1,
        "The forward jump by hand",
        names=("noise_to",),
        test=_noise_to,
        wrong=(
            {"noise_to": _wrong_noise_to("off-by-one")},
            {"noise_to": _wrong_noise_to("no-sqrt")},
            {"noise_to": _wrong_noise_to("single-step")},
            {"noise_to": _wrong_noise_to("one-minus-sqrt")},
        ),
    ),
    Exercise(
        2,
        "Count the covered classes",
        names=("classes_covered",),
        test=_covered,
        wrong=(
            {"classes_covered": lambda labels, share: len(torch.unique(labels))},
            {
                "classes_covered": lambda labels, share: int(
                    (torch.bincount(labels, minlength=10) > share * len(labels)).sum()
                )
            },
            {
                "classes_covered": lambda labels, share: (
                    torch.bincount(labels, minlength=10) >= share * len(labels)
                ).sum()
            },
        ),
    ),
    Exercise(
        3,
        "The loss of an undecided discriminator",
        names=("d_loss_half", "g_loss_half"),
        test=_half,
        wrong=(
            {"d_loss_half": math.log(2), "g_loss_half": math.log(2)},
            {"d_loss_half": 2 * math.log(2), "g_loss_half": 2 * math.log(2)},
            {"d_loss_half": 0.5, "g_loss_half": 0.5},
            {"d_loss_half": torch.tensor(1.386), "g_loss_half": 0.693},
        ),
    ),
)
