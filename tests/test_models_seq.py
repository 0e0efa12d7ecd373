"""Sequence and embedding models learn on tiny data (dlcourse.models.embedding, .rnn)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dlcourse.data import CharTokenizer, language_model_batch
from dlcourse.models import CharRNN, EmbeddingBagClassifier, SkipGram, cosine_neighbours


def test_skipgram_starts_at_its_known_loss_and_learns_which_words_go_together():
    torch.manual_seed(0)
    # words 0-3 always appear with 4; words 5-8 always with 9
    centers = torch.tensor([0, 1, 2, 3, 5, 6, 7, 8] * 40)
    contexts = torch.tensor([4, 4, 4, 4, 9, 9, 9, 9] * 40)
    model = SkipGram(10, dim=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(100):
        negatives = torch.randint(0, 10, (len(centers), 3), generator=g)
        loss = model(centers, contexts, negatives)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(4 * math.log(2), abs=1e-5)
    assert losses[-1] < losses[0] / 2
    ids, _ = cosine_neighbours(model.center.weight.detach(), 0, k=3)
    assert set(ids.tolist()) == {1, 2, 3}


def test_cosine_neighbours_ignore_length_and_exclude_the_query():
    vectors = torch.tensor([[1.0, 0.0], [10.0, 0.1], [0.5, 0.5], [1.0, 0.0]])
    ids, sims = cosine_neighbours(vectors, 0, k=3)
    assert ids.tolist()[:2] == [3, 1] and 0 not in ids.tolist()
    assert sims[0] == pytest.approx(1.0)


def test_embeddingbag_classifier_learns_a_keyword_task():
    torch.manual_seed(0)
    # class = whether word 1 or word 2 occurs; texts of different lengths
    texts = [[1, 5, 6], [2, 7], [5, 1], [8, 2, 6, 5], [1], [2, 6]] * 5
    labels = torch.tensor([0, 1, 0, 1, 0, 1] * 5)
    ids = torch.tensor([i for t in texts for i in t])
    offsets = torch.tensor([0] + [len(t) for t in texts[:-1]]).cumsum(0)
    model = EmbeddingBagClassifier(10, dim=4, num_classes=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    first = F.cross_entropy(model(ids, offsets), labels).item()
    for _ in range(50):
        loss = F.cross_entropy(model(ids, offsets), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 10
    assert torch.equal(model(ids, offsets).argmax(1), labels)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_char_rnn_learns_a_repeating_text_and_samples_reproducibly(cell):
    torch.manual_seed(0)
    tok = CharTokenizer("abcd ")
    ids = tok.encode("abcd " * 40)
    model = CharRNN(len(tok), hidden_size=24, embed_dim=8, cell=cell)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(60):
        x, y = language_model_batch(ids, seq_len=12, batch_size=8, generator=g)
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(tok)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 1.4  # about ln 5 at the start
    assert sum(losses[-5:]) / 5 < 0.2
    sample = model.sample(tok.encode("ab"), 13, generator=torch.Generator().manual_seed(1))
    again = model.sample(tok.encode("ab"), 13, generator=torch.Generator().manual_seed(1))
    assert torch.equal(sample, again)
    assert tok.decode(sample) == "abcd abcd abcd "


def test_char_rnn_rejects_an_unknown_cell_and_a_bad_prompt():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(5, cell="transformer")
    with pytest.raises(ValueError, match="prompt"):
        CharRNN(5).sample(torch.tensor([[1, 2]]), 3)
