"""Checks for the exercises of Module 20, Transformers from Scratch."""

from __future__ import annotations

import math

import torch

from dlcourse.exercises import Exercise
from dlcourse.models.transformer import CharGPT, sinusoidal_positions


def _sinusoidal(sinusoidal) -> str | None:
    for length, dim in [(50, 16), (7, 4), (30, 64)]:
        mine = sinusoidal(length, dim)
        if not isinstance(mine, torch.Tensor) or tuple(mine.shape) != (length, dim):
            return f"`sinusoidal({length}, {dim})` should be a tensor of shape ({length}, {dim})"
        right = sinusoidal_positions(length, dim)
        if torch.allclose(mine, right, atol=1e-4):
            continue
        if torch.allclose(mine[:, : dim // 2], right[:, 0::2], atol=1e-4):
            return "the sines go to the even columns (0, 2, 4, ...), the cosines to the odd ones"
        if torch.allclose(mine[:, 0::2], right[:, 1::2], atol=1e-4):
            return "sine and cosine are swapped: column 2i holds the sine, 2i + 1 the cosine"
        if torch.allclose(mine[:, :2], right[:, :2], atol=1e-4):
            return (
                "the first pair of columns is right but the others are not: the frequency of "
                "pair i is 1 / 10000 ** (2i / dim), with 2i the even column's index"
            )
        return f"`sinusoidal({length}, {dim})` differs from sinusoidal_positions({length}, {dim})"
    return None


def _top_k(top_k_logits) -> str | None:
    torch.manual_seed(0)
    logits = torch.randn(4, 12)
    logits[2] += 5  # one row far above the others: a top-k over the whole batch fails
    for k in (1, 3, 12):
        mine = top_k_logits(logits.clone(), k)
        if not isinstance(mine, torch.Tensor) or mine.shape != logits.shape:
            return (
                "`top_k_logits` should return a tensor of the logits' shape (batch, vocab), "
                "with the dropped entries set to -inf, not only the k kept values"
            )
        keep = torch.zeros_like(logits, dtype=torch.bool)
        keep.scatter_(1, logits.topk(k, dim=1).indices, True)
        if not torch.equal(mine[keep], logits[keep]):
            return (
                f"with k={k} each row must keep its own k largest logits unchanged: take the "
                "top k along the last dimension, row by row, not over the whole batch"
            )
        dropped = mine[~keep]
        if torch.any(dropped == logits[~keep]):
            return f"with k={k} each row should keep exactly k logits; the rest become -inf"
        if not torch.all(dropped == -math.inf):
            return (
                f"with k={k} the other logits must become -inf (a zero logit still has "
                "probability after the softmax)"
            )
    return None


def _param_count(gpt_param_count) -> str | None:
    for V, d, L, T in [(54, 64, 2, 32), (10, 8, 1, 4), (30, 16, 3, 20)]:
        real = sum(p.numel() for p in CharGPT(V, d_model=d, n_layers=L, block_size=T).parameters())
        mine = gpt_param_count(V, d, L, T)
        if mine == real:
            continue
        if mine == real - T * d:
            return "the learned position embedding (block_size x d_model) is missing"
        if mine == real - L * 4 * d - 2 * d:
            return "the LayerNorms have parameters too: a scale and a shift of d_model each"
        if mine == real - L * 13 * d - V:
            return (
                "the biases and the LayerNorms' scales and shifts are missing: a block has "
                "12 d^2 + 13 d parameters"
            )
        if mine == real - 2 * d - d * V - V:
            return "the final LayerNorm and the output layer (d x V weights, V biases) are missing"
        return (
            f"for V={V}, d={d}, {L} layers, block_size={T} the count should be {real}: add "
            "the embeddings, 12 d^2 + 13 d per block, the final LayerNorm and the output layer"
        )
    return None


def _topk_zero(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, 0.0)


def _topk_global(logits, k):
    kth = torch.topk(logits.flatten(), k).values[-1]
    return logits.masked_fill(logits < kth, -math.inf)


def _sin_halves(length, dim):
    pe = sinusoidal_positions(length, dim)
    return torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)


def _sin_swapped(length, dim):
    pe = sinusoidal_positions(length, dim)
    return torch.stack([pe[:, 1::2], pe[:, 0::2]], dim=2).reshape(length, dim)


def _sin_wrong_freq(length, dim):
    p = torch.arange(length).float().unsqueeze(1)
    angle = p / 10000 ** (torch.arange(dim // 2).float() / dim)  # i / dim instead of 2i / dim
    pe = torch.zeros(length, dim)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
    return pe


EXERCISES = (
    Exercise(
        1,
        "Sinusoidal encodings by hand",
        names=("sinusoidal",),
        test=_sinusoidal,
        wrong=(
            {"sinusoidal": _sin_halves},
            {"sinusoidal": _sin_swapped},
            {"sinusoidal": _sin_wrong_freq},
            {"sinusoidal": lambda length, dim: sinusoidal_positions(length, dim)[:, : dim // 2]},
        ),
    ),
    Exercise(
        2,
        "Top-k filtering",
        names=("top_k_logits",),
        test=_top_k,
        wrong=(
            {"top_k_logits": lambda logits, k: torch.topk(logits, k, dim=-1).values},
            {"top_k_logits": _topk_zero},
            {"top_k_logits": _topk_global},
        ),
    ),
    Exercise(
        3,
        "Counting a GPT's parameters",
        names=("gpt_param_count",),
        test=_param_count,
        wrong=(
            {
                "gpt_param_count": lambda V, d, L, T: (
                    V * d + L * (12 * d * d + 13 * d) + 2 * d + d * V + V
                )
            },
            {
                "gpt_param_count": lambda V, d, L, T: (
                    V * d + T * d + L * (12 * d * d + 9 * d) + d * V + V
                )
            },
            {"gpt_param_count": lambda V, d, L, T: V * d + T * d + L * 12 * d * d + 2 * d + d * V},
            {"gpt_param_count": lambda V, d, L, T: V * d + T * d + L * (12 * d * d + 13 * d)},
        ),
    ),
)
