"""Attention written out equals PyTorch's, masks block exactly, and it learns (models.attention)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.models import MultiHeadAttention, scaled_dot_product_attention


def _qkv(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(2, 3, 5, 8, generator=g),
        torch.randn(2, 3, 7, 8, generator=g),
        torch.randn(2, 3, 7, 4, generator=g),
    )


def test_scaled_dot_product_attention_equals_pytorch_without_a_mask() -> None:
    q, k, v = _qkv()
    out, weights = scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 5, 4) and weights.shape == (2, 3, 5, 7)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 5))
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v), atol=1e-6)
    out2, _ = scaled_dot_product_attention(q, k, v, scale=0.5)
    assert torch.allclose(out2, F.scaled_dot_product_attention(q, k, v, scale=0.5), atol=1e-6)


def test_causal_and_boolean_masks_give_exact_zeros_and_match_pytorch() -> None:
    q, k, v = _qkv(1)
    k, v = k[..., :5, :], v[..., :5, :]  # square, for the causal mask
    out, weights = scaled_dot_product_attention(q, k, v, is_causal=True)
    future = ~torch.ones(5, 5, dtype=torch.bool).tril()
    assert weights[..., future].eq(0).all()
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-6)
    real = torch.tensor([[True] * 5, [True, True, False, False, False]])[:, None, None, :]
    out, weights = scaled_dot_product_attention(q, k, v, mask=real)
    assert weights[1, ..., 2:].eq(0).all()
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=real)
    assert torch.allclose(out, expected, atol=1e-6)
    alone, _ = scaled_dot_product_attention(q[1], k[1, :, :2], v[1, :, :2])
    assert torch.allclose(out[1], alone, atol=1e-6)


def test_a_query_that_may_see_nothing_gets_zeros_like_pytorch() -> None:
    q, k, v = _qkv(2)
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[3] = False
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    assert not out.isnan().any() and weights[..., 3, :].eq(0).all() and out[..., 3, :].eq(0).all()
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.allclose(out, expected, atol=1e-6)


def test_a_float_mask_is_refused_with_a_clear_message() -> None:
    q, k, v = _qkv()
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(5, 7))


def _copied(embed_dim: int, num_heads: int) -> tuple[MultiHeadAttention, nn.MultiheadAttention]:
    torch.manual_seed(0)
    theirs = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
    ours = MultiHeadAttention(embed_dim, num_heads)
    w_q, w_k, w_v = theirs.in_proj_weight.chunk(3)
    b_q, b_k, b_v = theirs.in_proj_bias.chunk(3)
    out_w, out_b = theirs.out_proj.weight, theirs.out_proj.bias
    with torch.no_grad():
        for layer, w, b in [
            (ours.q_proj, w_q, b_q),
            (ours.k_proj, w_k, b_k),
            (ours.v_proj, w_v, b_v),
            (ours.out_proj, out_w, out_b),
        ]:
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    return ours, theirs


@pytest.mark.parametrize("num_heads", [1, 2, 4])
def test_multi_head_attention_with_copied_weights_equals_nn_multiheadattention(num_heads) -> None:
    ours, theirs = _copied(8, num_heads)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    g = torch.Generator().manual_seed(1)
    x, memory = torch.randn(3, 4, 8, generator=g), torch.randn(3, 6, 8, generator=g)
    real = torch.arange(6) < torch.tensor([6, 2, 4])[:, None]
    with torch.no_grad():
        out, weights = ours(x, memory, memory, mask=real[:, None, None, :])
        ref, ref_weights = theirs(x, memory, memory, key_padding_mask=~real)
    assert weights.shape == (3, num_heads, 4, 6)
    assert torch.allclose(out, ref, atol=1e-6)
    assert torch.allclose(weights.mean(1), ref_weights, atol=1e-6)
    causal = torch.ones(4, 4, dtype=torch.bool).tril()
    with torch.no_grad():
        out, _ = ours(x, is_causal=True)
        ref, _ = theirs(x, x, x, attn_mask=~causal)
    assert torch.allclose(out, ref, atol=1e-6)


def test_split_heads_gives_each_head_its_own_columns() -> None:
    mha = MultiHeadAttention(6, 3)
    x = torch.arange(2 * 4 * 6.0).view(2, 4, 6)
    heads = mha.split_heads(x)
    assert heads.shape == (2, 3, 4, 2)
    assert torch.equal(heads[1, 2, 3], x[1, 3, 4:6])


def test_embed_dim_not_divisible_by_heads_is_refused() -> None:
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)


def test_multi_head_attention_learns_to_look_up_a_key() -> None:
    """A query attends to the one of 6 keys equal to it and returns its value."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    embed = nn.Embedding(10, 16)
    mha = MultiHeadAttention(16, num_heads=2)
    head = nn.Linear(16, 10)
    params = [*embed.parameters(), *mha.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=0.02)

    def batch(n: int) -> tuple[torch.Tensor, ...]:
        keys = torch.rand(n, 10, generator=g).argsort(1)[:, :6]
        values = torch.randint(0, 10, (n, 6), generator=g)
        where = torch.randint(0, 6, (n,), generator=g)
        rows = torch.arange(n)
        return keys, values, keys[rows, where], values[rows, where], where

    losses = []
    for _ in range(60):
        keys, values, query, answer, _ = batch(64)
        out, _ = mha(embed(query)[:, None], embed(keys), embed(values))
        loss = F.cross_entropy(head(out[:, 0]), answer)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 4
    keys, values, query, answer, where = batch(500)
    with torch.no_grad():
        out, weights = mha(embed(query)[:, None], embed(keys), embed(values))
    on_target = weights.mean(1)[torch.arange(500), 0, where]
    assert on_target.mean() > 0.7
