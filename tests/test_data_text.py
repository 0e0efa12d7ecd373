"""The course corpus ships with the package and its tokenizers round-trip (dlcourse.data.text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from dlcourse import data
from dlcourse.data import text

ROOT = Path(__file__).resolve().parents[1]


def test_the_corpus_is_package_data_small_and_licensed():
    corpus = text.load_corpus()
    assert corpus == (ROOT / "src" / "dlcourse" / "data" / "corpus.txt").read_text("utf-8")
    assert 30_000 < len(corpus.encode("utf-8")) < 60_000
    assert "MIT" in text.CORPUS_LICENSE
    assert corpus.isascii()


def test_every_chapter_is_found_in_order_with_its_sentences():
    pairs = text.topic_sentences()
    topics = [topic for _, topic in pairs]
    assert [t for i, t in enumerate(topics) if i == 0 or topics[i - 1] != t] == list(text.TOPICS)
    for topic in text.TOPICS:
        assert topics.count(topic) > 150, f"chapter {topic!r} is too short to learn from"
    assert all(re.fullmatch(r"[A-Z].*[.!?]", sentence) for sentence, _ in pairs)


def test_topic_sentences_read_chapters_from_any_text():
    sample = "Title\n\nPreface.\n\nDays\n\nOn monday we rest. Monday is\nquiet.\n\nColours\n\nRed."
    assert text.topic_sentences(sample) == [
        ("On monday we rest.", "days"),
        ("Monday is quiet.", "days"),
        ("Red.", "colours"),
    ]


def test_vocab_round_trips_maps_unknown_words_and_counts():
    tokens = text.tokenize(text.load_corpus())
    vocab = text.Vocab.from_tokens(tokens)
    assert vocab.itos[: len(vocab.SPECIALS)] == ["<pad>", "<unk>"]
    assert vocab.itos[2] == "the"  # most frequent first
    sentence = text.tokenize("The brave fox hides behind the fence.")
    assert vocab.decode(vocab.encode(sentence)) == sentence
    assert vocab.encode(["zebra"]).tolist() == [vocab.UNK]
    assert int(vocab.counts.sum()) == len(tokens)
    assert len(text.Vocab.from_tokens(tokens, min_count=5)) < len(vocab)
    with pytest.raises(ValueError, match="unique"):
        text.Vocab(["cat", "cat"])


def test_char_tokenizer_round_trips_the_corpus_and_names_unknown_characters():
    corpus = text.load_corpus()
    tok = text.CharTokenizer(corpus)
    ids = tok.encode(corpus)
    assert ids.dtype == torch.long and int(ids.max()) < len(tok)
    assert tok.decode(ids) == corpus
    with pytest.raises(KeyError, match="'@'"):
        tok.encode("a@b")


def test_skipgram_pairs_stay_inside_sentences():
    centers, contexts = text.skipgram_pairs([torch.tensor([1, 2, 3]), torch.tensor([4, 5])], 2)
    pairs = set(zip(centers.tolist(), contexts.tolist(), strict=True))
    assert pairs == {(1, 2), (2, 1), (2, 3), (3, 2), (1, 3), (3, 1), (4, 5), (5, 4)}
    assert len(centers) == len(pairs)
    with pytest.raises(ValueError, match="window"):
        text.skipgram_pairs([torch.tensor([1, 2])], 0)


def test_language_model_batches_are_windows_and_their_next_tokens():
    ids = torch.arange(50) * 3
    g = torch.Generator().manual_seed(1)
    x, y = text.language_model_batch(ids, seq_len=7, batch_size=4, generator=g)
    assert x.shape == y.shape == (4, 7)
    assert torch.equal(y[:, :-1], x[:, 1:])
    assert torch.equal(y[:, -1] - x[:, -1], torch.full((4,), 3))
    with pytest.raises(ValueError, match="longer than seq_len"):
        text.language_model_batch(ids[:5], seq_len=5, batch_size=1)


def test_names_are_re_exported_from_dlcourse_data():
    for name in text.__all__:
        assert getattr(data, name) is getattr(text, name)


def test_split_sentences_splits_at_the_end_marks_and_joins_broken_lines():
    assert text.split_sentences("One line\nbroken. Two!  Three?") == [
        "One line broken.",
        "Two!",
        "Three?",
    ]
    assert text.split_sentences("") == []
    sentences = text.split_sentences(text.load_corpus())
    assert all(s[-1] in ".!?" for s in sentences)
