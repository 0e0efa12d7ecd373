"""Transformers: sinusoidal positions, a (pre- or post-LN) transformer block, a character GPT.

Introduced in *Transformers from Scratch* (Module 20,
https://dlcourse.github.io/dlcourse/modules/transformers-from-scratch.html). The attention inside
the block is ``F.scaled_dot_product_attention``, which *Attention Mechanisms* (Module 19) builds by
hand.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CharGPT", "TransformerBlock", "sinusoidal_positions"]

_POSITIONS = ("learned", "sinusoidal", "none")


def sinusoidal_positions(length: int, dim: int, base: float = 10_000.0) -> torch.Tensor:
    """The sinusoidal position encodings of *Attention Is All You Need*: ``(length, dim)``.

    Row ``p`` is position ``p``; columns ``2i`` and ``2i + 1`` hold ``sin(p / base**(2i/dim))``
    and ``cos(p / base**(2i/dim))``, one frequency per pair of columns, from one cycle every
    ``2π`` positions (columns 0 and 1) down to about one every ``2π·base`` (the last pair).
    Introduced in *Transformers from Scratch* (Module 20,
    https://dlcourse.github.io/dlcourse/modules/transformers-from-scratch.html), section
    "Where is each token?".

    >>> pe = sinusoidal_positions(50, 8)
    >>> pe.shape
    torch.Size([50, 8])
    >>> pe[0].tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    >>> round(pe[1, 0].item(), 4) == round(math.sin(1.0), 4)
    True
    """
    if dim % 2:
        raise ValueError(f"sinusoidal_positions: dim must be even (sin and cos pairs), got {dim}")
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)  # (length, 1)
    freq = base ** (-torch.arange(0, dim, 2, dtype=torch.float32) / dim)  # (dim / 2,)
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(position * freq)
    pe[:, 1::2] = torch.cos(position * freq)
    return pe


class TransformerBlock(nn.Module):
    """One transformer block: multi-head self-attention and an MLP, each with a residual.

    Pre-LN (``norm_first=True``, as in GPT-2 and most models since)::

        x = x + attention(LayerNorm(x))
        x = x + mlp(LayerNorm(x))

    Post-LN (``norm_first=False``, the original transformer of 2017)::

        x = LayerNorm(x + attention(x))
        x = LayerNorm(x + mlp(x))

    The attention is ``F.scaled_dot_product_attention`` over ``n_heads`` heads, with the causal
    mask when ``causal`` is true (position ``t`` attends to positions ``0..t`` only); the MLP
    is ``Linear(d, 4d) → GELU → Linear(4d, d)``. Input and output are ``(batch, time,
    d_model)``. Introduced in *Transformers from Scratch* (Module 20,
    https://dlcourse.github.io/dlcourse/modules/transformers-from-scratch.html), section "The
    transformer block".

    >>> block = TransformerBlock(d_model=16, n_heads=4)
    >>> block(torch.zeros(2, 5, 16)).shape
    torch.Size([2, 5, 16])
    >>> sum(p.numel() for p in block.parameters()) == 12 * 16**2 + 13 * 16
    True
    """

    def __init__(
        self, d_model: int, n_heads: int, causal: bool = True, norm_first: bool = True
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(
                f"TransformerBlock: d_model ({d_model}) must be divisible by n_heads ({n_heads})"
            )
        self.n_heads = n_heads
        self.causal = causal
        self.norm_first = norm_first
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)  # queries, keys and values of all heads
        self.proj = nn.Linear(d_model, d_model)  # mixes the heads' outputs
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model)
        )

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Multi-head self-attention of ``x`` ``(batch, time, d_model)``, heads re-merged."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, C / heads): each head attends on its own slice
        q, k, v = (z.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The block applied to ``x`` ``(batch, time, d_model)``; same shape out."""
        if self.norm_first:
            x = x + self.attention(self.ln1(x))
            return x + self.mlp(self.ln2(x))
        x = self.ln1(x + self.attention(x))
        return self.ln2(x + self.mlp(x))


class CharGPT(nn.Module):
    """A small GPT: token and position embeddings, transformer blocks, LayerNorm, a linear head.

    ``forward`` takes ids ``(batch, time)`` with ``time <= block_size`` and returns next-token
    logits ``(batch, time, vocab_size)``. ``positions`` is ``"learned"`` (an ``nn.Embedding``
    of ``block_size`` vectors, as in GPT-2), ``"sinusoidal"`` (:func:`sinusoidal_positions`, a
    buffer, nothing to learn) or ``"none"``. ``causal=False`` removes the causal mask from every
    block (to show what it prevents); ``norm_first=False`` builds post-LN blocks and drops the
    final LayerNorm. Weights start from a normal distribution of standard deviation 0.02 and
    biases at zero, as in GPT-1, so the first loss is close to ``ln(vocab_size)``.
    :meth:`generate` samples text with a temperature and top-k. Introduced in *Transformers from
    Scratch* (Module 20, https://dlcourse.github.io/dlcourse/modules/transformers-from-scratch.html),
    section "A tiny character GPT".

    >>> model = CharGPT(vocab_size=12, d_model=16, n_layers=2, n_heads=2, block_size=8)
    >>> model(torch.zeros(3, 8, dtype=torch.long)).shape
    torch.Size([3, 8, 12])
    >>> out = model.generate(torch.tensor([1, 2]), 20, top_k=3,
    ...                      generator=torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([22])
    >>> model.generate(torch.tensor([[1, 2], [3, 4]]), 5).shape  # two samples at once
    torch.Size([2, 7])
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        n_layers: int = 2,
        n_heads: int = 4,
        block_size: int = 64,
        positions: str = "learned",
        causal: bool = True,
        norm_first: bool = True,
    ) -> None:
        super().__init__()
        if positions not in _POSITIONS:
            raise ValueError(f"CharGPT: positions must be one of {_POSITIONS}, got {positions!r}")
        self.block_size = block_size
        self.positions = positions
        self.tok = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Embedding(block_size, d_model) if positions == "learned" else None
        self.register_buffer(
            "pe",
            sinusoidal_positions(block_size, d_model) if positions == "sinusoidal" else None,
            persistent=False,
        )
        self.blocks = nn.ModuleList(
            TransformerBlock(d_model, n_heads, causal=causal, norm_first=norm_first)
            for _ in range(n_layers)
        )
        self.ln_f = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.head = nn.Linear(d_model, vocab_size)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(batch, time, vocab_size)`` for ids ``(batch, time)``."""
        T = ids.shape[1]
        if self.block_size < T:
            raise ValueError(
                f"CharGPT: {T} tokens but block_size is {self.block_size}; crop the input to "
                "its last block_size tokens"
            )
        x = self.tok(ids)
        if self.pos is not None:
            x = x + self.pos(torch.arange(T, device=ids.device))
        elif self.pe is not None:
            x = x + self.pe[:T]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def generate(
        self,
        prompt: torch.Tensor,
        length: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """The ``prompt`` ids followed by ``length`` sampled ids.

        ``prompt`` is 1-D (one text) or 2-D ``(batch, time)`` (several texts sampled at once,
        one draw per row and step). Each step reads the last ``block_size`` ids, divides the
        last position's logits by ``temperature``, keeps only the ``top_k`` largest (if given)
        and draws from the softmax with ``generator``, so a seeded generator gives the same
        text every time. The model is put in eval mode.
        """
        if prompt.ndim not in (1, 2) or prompt.shape[-1] == 0:
            raise ValueError(
                "CharGPT.generate: prompt must be a non-empty 1-D tensor of ids, or 2-D "
                "(batch, time) for several samples at once"
            )
        if temperature <= 0:
            raise ValueError(f"CharGPT.generate: temperature must be positive, got {temperature}")
        self.eval()
        ids = prompt if prompt.ndim == 2 else prompt.unsqueeze(0)
        for _ in range(length):
            logits = self(ids[:, -self.block_size :])[:, -1] / temperature
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, -math.inf)
            nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
            ids = torch.cat([ids, nxt], dim=1)
        return ids if prompt.ndim == 2 else ids[0]
        return ids
