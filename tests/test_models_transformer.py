"""The transformer models (dlcourse.models.transformer): positions, the block, the character GPT."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dlcourse.data import CharTokenizer, language_model_batch
from dlcourse.models import CharGPT, TransformerBlock, sinusoidal_positions


def test_sinusoidal_positions_follow_the_formula_and_depend_on_offsets_only():
    pe = sinusoidal_positions(40, 8)
    for p, i in [(0, 0), (3, 1), (17, 3)]:
        angle = p / 10_000 ** (2 * i / 8)
        assert pe[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-5)
        assert pe[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-5)
    # every row has norm sqrt(dim / 2); the dot product of two rows depends on their offset only
    assert torch.allclose(pe.norm(dim=1), torch.full((40,), 2.0))
    similarity = pe @ pe.T
    assert torch.allclose(similarity.diagonal(5)[:-1], similarity.diagonal(5)[1:], atol=1e-4)
    with pytest.raises(ValueError, match="dim must be even"):
        sinusoidal_positions(10, 7)


def test_causal_block_output_at_t_ignores_later_tokens_and_unmasked_block_does_not():
    torch.manual_seed(0)
    x = torch.randn(1, 6, 16)
    changed = x.clone()
    changed[0, 4:] = torch.randn(2, 16)  # change positions 4 and 5 only
    for causal in (True, False):
        torch.manual_seed(1)
        block = TransformerBlock(16, 4, causal=causal)
        with torch.no_grad():
            a, b = block(x), block(changed)
        same_prefix = torch.allclose(a[0, :4], b[0, :4], atol=1e-6)
        assert same_prefix is causal


def test_unmasked_block_without_positions_is_permutation_equivariant():
    torch.manual_seed(0)
    block = TransformerBlock(16, 2, causal=False)
    x = torch.randn(1, 5, 16)
    perm = torch.tensor([3, 0, 4, 1, 2])
    with torch.no_grad():
        assert torch.allclose(block(x)[:, perm], block(x[:, perm]), atol=1e-5)


def test_pre_ln_block_with_silent_sublayers_is_the_identity_and_post_ln_normalizes():
    torch.manual_seed(0)
    x = 3 * torch.randn(2, 4, 16) + 1
    for norm_first in (True, False):
        block = TransformerBlock(16, 4, norm_first=norm_first)
        for layer in (block.proj, block.mlp[-1]):  # the last layer of each sublayer
            torch.nn.init.zeros_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
        with torch.no_grad():
            out = block(x)
        if norm_first:
            assert torch.equal(out, x)
        else:
            assert torch.allclose(out.mean(-1), torch.zeros(2, 4), atol=1e-5)
            assert torch.allclose(out.std(-1, unbiased=False), torch.ones(2, 4), atol=1e-3)
    assert sum(p.numel() for p in block.parameters()) == 12 * 16**2 + 13 * 16
    with pytest.raises(ValueError, match="divisible"):
        TransformerBlock(10, 4)


def test_char_gpt_counts_its_parameters_and_checks_its_arguments():
    V, d, L, T = 20, 16, 2, 8
    learned = CharGPT(V, d_model=d, n_layers=L, n_heads=2, block_size=T)
    count = sum(p.numel() for p in learned.parameters())
    assert count == V * d + T * d + L * (12 * d * d + 13 * d) + 2 * d + d * V + V
    sinusoidal = CharGPT(V, d_model=d, n_layers=L, n_heads=2, block_size=T, positions="sinusoidal")
    assert sum(p.numel() for p in sinusoidal.parameters()) == count - T * d
    assert "pe" not in sinusoidal.state_dict()  # recomputed, not saved
    with pytest.raises(ValueError, match="positions must be one of"):
        CharGPT(V, positions="rotary")
    with pytest.raises(ValueError, match="block_size is 8"):
        learned(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="1-D"):
        learned.generate(torch.zeros(1, 1, 2, dtype=torch.long), 3)
    with pytest.raises(ValueError, match="temperature"):
        learned.generate(torch.tensor([1]), 3, temperature=0)


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
def test_char_gpt_learns_a_repeating_text_and_generates_it(positions):
    tok = CharTokenizer("abcde ")
    ids = tok.encode("abcde " * 40)
    torch.manual_seed(0)
    model = CharGPT(len(tok), d_model=32, n_layers=2, n_heads=4, block_size=16, positions=positions)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(80):
        x, y = language_model_batch(ids, seq_len=16, batch_size=8, generator=g)
        loss = F.cross_entropy(model(x).reshape(-1, len(tok)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(math.log(len(tok)), abs=0.05)  # the N(0, 0.02) start
    assert losses[-1] < 0.2
    greedy = tok.decode(model.generate(tok.encode("ab"), 20, top_k=1))
    assert greedy == ("abcde " * 5)[:22]
    # seeded sampling is reproducible; longer than block_size, so the context is cropped
    a = model.generate(
        tok.encode("a"), 30, temperature=1.5, generator=torch.Generator().manual_seed(3)
    )
    b = model.generate(
        tok.encode("a"), 30, temperature=1.5, generator=torch.Generator().manual_seed(3)
    )
    assert torch.equal(a, b) and len(a) == 31
    # a batch of prompts: one sample per row, each starting with its prompt
    batch = model.generate(
        tok.encode("a").repeat(3, 1),
        30,
        temperature=1.5,
        generator=torch.Generator().manual_seed(3),
    )
    assert batch.shape == (3, 31) and torch.equal(batch[:, 0], tok.encode("a").repeat(3))
    assert len({tok.decode(row) for row in batch}) > 1  # the rows are sampled independently


def test_top_k_keeps_only_the_k_most_likely_tokens():
    torch.manual_seed(0)
    model = CharGPT(10, d_model=16, n_layers=1, n_heads=2, block_size=4)
    with torch.no_grad():
        logits = model(torch.tensor([[1, 2]]))[0, -1]
    allowed = set(torch.topk(logits, 2).indices.tolist())
    drawn = {
        model.generate(
            torch.tensor([1, 2]),
            1,
            temperature=5.0,
            top_k=2,
            generator=torch.Generator().manual_seed(s),
        )[-1].item()
        for s in range(40)
    }
    assert drawn == allowed
