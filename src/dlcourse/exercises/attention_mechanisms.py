"""Checks for the exercises of Module 19, Attention Mechanisms."""

from __future__ import annotations

import torch

from dlcourse.exercises import Exercise
from dlcourse.models import scaled_dot_product_attention


def _weights(attention_weights) -> str | None:
    g = torch.Generator().manual_seed(0)
    # a batch and a head dimension, L != S and d != S: answers written for 2-D inputs, for the
    # wrong softmax dimension or the wrong scale do not pass by accident
    q = 3 * torch.randn(2, 3, 4, 16, generator=g)
    k = 3 * torch.randn(2, 3, 6, 16, generator=g)
    _, right = scaled_dot_product_attention(q, k, torch.zeros(2, 3, 6, 1))
    try:
        mine = attention_weights(q, k)
    except RuntimeError as error:
        return (
            f"`attention_weights` fails on queries (2, 3, 4, 16) and keys (2, 3, 6, 16) "
            f"({error}): transpose the last two dimensions of k, k.transpose(-2, -1)"
        )
    if not isinstance(mine, torch.Tensor) or mine.shape != right.shape:
        return "`attention_weights(q, k)` should return one weight per query and key: (..., L, S)"
    if not torch.allclose(mine.sum(-1), torch.ones(2, 3, 4), atol=1e-5):
        return "each query's weights should sum to 1: take the softmax over the keys (dim=-1)"
    if not torch.allclose(mine, right, atol=1e-5):
        return "softmax over the right dimension, but the scores are off: divide q kᵀ by √d"
    return None


def _padding(padding_mask) -> str | None:
    lengths = torch.tensor([2, 5, 1, 4])
    right = torch.arange(6) < lengths[:, None]
    try:
        mine = padding_mask(lengths, 6)
    except RuntimeError as error:
        return (
            f"`padding_mask` fails for 4 lengths and max_len 6 ({error}): compare a row of "
            "positions with a column of lengths, lengths[:, None]"
        )
    if not isinstance(mine, torch.Tensor) or mine.shape != (4, 6):
        return "for 4 lengths and max_len 6 the mask should have shape (4, 6)"
    if mine.dtype != torch.bool:
        return f"return a boolean mask (dtype torch.bool), not {mine.dtype}"
    if torch.equal(mine, ~right):
        return "the mask is the wrong way round: True marks the real positions here"
    if not torch.equal(mine, right):
        return "sequence b has real positions 0 to lengths[b] - 1 (True) and padding after"
    return None


def _split(split_heads) -> str | None:
    x = torch.arange(2 * 5 * 12.0).view(2, 5, 12)
    right = x.view(2, 5, 3, 4).transpose(1, 2)
    mine = split_heads(x, 3)
    if not isinstance(mine, torch.Tensor) or mine.shape != (2, 3, 5, 4):
        return "for x (2, 5, 12) and 3 heads the result should be (2, 3, 5, 4)"
    if not torch.equal(mine, right):
        return (
            "right shape, wrong contents: head h should hold columns h*4 to h*4+3 of every "
            "position; cut the last dimension first (batch, T, heads, head_dim), then transpose"
        )
    return None


EXERCISES = (
    Exercise(
        1,
        "Attention weights by hand",
        names=("attention_weights",),
        test=_weights,
        wrong=(
            {"attention_weights": lambda q, k: torch.softmax(q @ k.transpose(-2, -1), dim=-1)},
            {
                "attention_weights": lambda q, k: torch.softmax(
                    q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, dim=-2
                )
            },
            {
                "attention_weights": lambda q, k: torch.softmax(
                    q @ k.transpose(-2, -1) / q.shape[-1], dim=-1
                )
            },
            {
                "attention_weights": lambda q, k: torch.softmax(
                    q @ k.transpose(1, 2) / q.shape[-1] ** 0.5, -1
                )
            },
        ),
    ),
    Exercise(
        2,
        "A padding mask",
        names=("padding_mask",),
        test=_padding,
        wrong=(
            {"padding_mask": lambda lengths, max_len: torch.arange(max_len) >= lengths[:, None]},
            {"padding_mask": lambda lengths, max_len: torch.arange(max_len) <= lengths[:, None]},
            {
                "padding_mask": lambda lengths, max_len: (
                    torch.arange(max_len) < lengths[:, None]
                ).float()
            },
            {"padding_mask": lambda lengths, max_len: torch.arange(max_len) < lengths},
        ),
    ),
    Exercise(
        3,
        "Splitting into heads",
        names=("split_heads",),
        test=_split,
        wrong=(
            {"split_heads": lambda x, h: x.view(x.shape[0], h, x.shape[1], x.shape[2] // h)},
            {"split_heads": lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] // h)},
            {
                "split_heads": lambda x, h: x.view(
                    x.shape[0], x.shape[1], x.shape[2] // h, h
                ).permute(0, 3, 1, 2)
            },
        ),
    ),
)
