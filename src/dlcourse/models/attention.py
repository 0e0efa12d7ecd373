"""Attention: scaled dot-product attention and multi-head attention, written out in full.

Introduced in *Attention Mechanisms* (Module 19,
https://dlcourse.github.io/dlcourse/modules/attention-mechanisms.html).

Both follow the mask convention of ``torch.nn.functional.scaled_dot_product_attention``: a
boolean mask is ``True`` where a query *may* attend to a key. (``nn.MultiheadAttention``'s
``key_padding_mask`` and boolean ``attn_mask`` mean the opposite: ``True`` there is *blocked*.)
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["MultiHeadAttention", "scaled_dot_product_attention"]


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(query @ keyᵀ · scale) @ value``, returning the output *and* the weights.

    ``query`` is ``(..., L, d)``, ``key`` ``(..., S, d)``, ``value`` ``(..., S, d_v)``; the
    output is ``(..., L, d_v)`` and the weights ``(..., L, S)``, each row summing to 1.
    ``scale`` defaults to ``1/√d``. ``mask`` is boolean and broadcasts to ``(..., L, S)``:
    ``True`` where query ``i`` may attend to key ``j``; blocked scores become ``-inf`` before
    the softmax, so their weights are exactly 0. ``is_causal`` blocks every key after the
    query's own position. A query that may attend to nothing gets weights of 0 (and an output
    of 0), as ``F.scaled_dot_product_attention`` does in torch 2.13 on the CPU, instead of the
    softmax's 0/0 = NaN.
    Introduced in *Attention Mechanisms* (Module 19,
    https://dlcourse.github.io/dlcourse/modules/attention-mechanisms.html), section "Scaled
    dot-product attention from scratch".

    >>> q = torch.tensor([[1.0, 0.0]])
    >>> k = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> v = torch.tensor([[10.0], [20.0], [40.0]])
    >>> out, weights = scaled_dot_product_attention(q, k, v, scale=1.0)
    >>> [round(w, 3) for w in weights[0].tolist()], round(out.item(), 3)
    ([0.422, 0.155, 0.422], 24.223)
    >>> out, weights = scaled_dot_product_attention(q, k, v, mask=torch.tensor([True, True, False]))
    >>> weights[0, 2].item()
    0.0
    """
    if mask is not None and mask.dtype != torch.bool:
        raise TypeError(
            "scaled_dot_product_attention: mask must be a boolean tensor, True where a query "
            f"may attend to a key (got dtype {mask.dtype}); use mask.bool() or a comparison"
        )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale  # (..., L, S)
    allowed = mask
    if is_causal:
        L, S = scores.shape[-2:]
        causal = torch.ones(L, S, dtype=torch.bool, device=scores.device).tril()
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if allowed is not None:  # a row with every key blocked: 0/0 in the softmax, make it 0
        weights = weights.masked_fill(~allowed.any(dim=-1, keepdim=True), 0.0)
    return weights @ value, weights


class MultiHeadAttention(nn.Module):
    """Multi-head attention: project, split into heads, attend in each, concatenate, project.

    Four ``nn.Linear(embed_dim, embed_dim)`` layers, ``q_proj``, ``k_proj``, ``v_proj`` and
    ``out_proj``; each head works on its own ``embed_dim // num_heads`` columns of the
    projections, with :func:`scaled_dot_product_attention`. Inputs are batch first:
    ``query`` ``(batch, L, embed_dim)``, ``key`` and ``value`` ``(batch, S, embed_dim)``
    (both default to ``query``: self-attention). ``mask`` (``True`` = may attend) broadcasts
    to ``(batch, num_heads, L, S)``: a padding mask of shape ``(batch, S)`` is passed as
    ``mask[:, None, None, :]``. Returns the output ``(batch, L, embed_dim)`` and every head's
    weights ``(batch, num_heads, L, S)``. The same computation as ``nn.MultiheadAttention``
    with ``batch_first=True``, whose weights can be copied in. Introduced in *Attention
    Mechanisms* (Module 19,
    https://dlcourse.github.io/dlcourse/modules/attention-mechanisms.html), section
    "Multi-head attention".

    >>> mha = MultiHeadAttention(embed_dim=8, num_heads=2)
    >>> x = torch.randn(3, 5, 8)
    >>> out, weights = mha(x)
    >>> tuple(out.shape), tuple(weights.shape)
    ((3, 5, 8), (3, 2, 5, 5))
    >>> torch.allclose(weights.sum(-1), torch.ones(3, 2, 5))
    True
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiHeadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                f"({num_heads}); each head gets embed_dim // num_heads columns"
            )
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, T, embed_dim)`` → ``(batch, num_heads, T, head_dim)``."""
        batch, T, _ = x.shape
        return x.view(batch, T, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        value: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The attended output ``(batch, L, embed_dim)`` and weights ``(batch, heads, L, S)``."""
        key = query if key is None else key
        value = key if value is None else value
        q = self.split_heads(self.q_proj(query))  # (batch, heads, L, head_dim)
        k = self.split_heads(self.k_proj(key))  # (batch, heads, S, head_dim)
        v = self.split_heads(self.v_proj(value))
        out, weights = scaled_dot_product_attention(q, k, v, mask=mask, is_causal=is_causal)
        batch, _, L, _ = out.shape
        out = out.transpose(1, 2).reshape(batch, L, self.embed_dim)  # heads side by side
        return self.out_proj(out), weights
