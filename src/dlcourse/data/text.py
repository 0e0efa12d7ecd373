"""Text data: the course's own corpus, a word vocabulary and a character tokenizer.

The corpus (``corpus.txt``, shipped inside the package) was written for the course: six short
chapters (animals, weather, kitchen, numbers, colours, days) of plain sentences with a small
vocabulary and recurring patterns, so that small models learn something visible from it in
seconds. It is part of ``dlcourse`` and under the same licence, MIT (``CORPUS_LICENSE``).
Introduced in *Embeddings* (Module 17,
https://dlcourse.github.io/dlcourse/modules/embeddings.html) and used again in *Recurrent Neural
Networks and LSTMs* (Module 18,
https://dlcourse.github.io/dlcourse/modules/recurrent-neural-networks-and-lstm.html).

>>> text = load_corpus()
>>> text.splitlines()[0]
'A Small Book of Plain Sentences'
>>> vocab = Vocab.from_tokens(tokenize(text))
>>> vocab.decode(vocab.encode(["the", "cat", "sleeps"]))
['the', 'cat', 'sleeps']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources

import torch

__all__ = [
    "CORPUS_LICENSE",
    "TOPICS",
    "CharTokenizer",
    "Vocab",
    "language_model_batch",
    "load_corpus",
    "skipgram_pairs",
    "split_sentences",
    "tokenize",
    "topic_sentences",
]

#: The licence of ``corpus.txt``: it is original text written for the course and ships with the
#: package under the package's licence.
CORPUS_LICENSE = (
    "corpus.txt was written for the course Deep Learning with PyTorch and is part of the "
    "dlcourse package; like the package it is released under the MIT licence."
)

#: The chapters of the corpus, in order; each is the topic of the sentences it holds.
TOPICS: tuple[str, ...] = ("animals", "weather", "kitchen", "numbers", "colours", "days")

_WORD = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def load_corpus() -> str:
    """The course corpus as one string (about 46 KB, MIT licence, see ``CORPUS_LICENSE``).

    A title, a preface, then one chapter per topic of ``TOPICS``: the chapter's name on a
    line of its own (``Animals``), then paragraphs separated by blank lines. Read from the
    installed package, so it works offline and in Colab. Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html).

    >>> text = load_corpus()
    >>> 40_000 < len(text) < 60_000
    True
    >>> "\\nAnimals\\n" in text
    True
    """
    return resources.files(__package__).joinpath("corpus.txt").read_text(encoding="utf-8")


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text``, without punctuation or digits.

    Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html).

    >>> tokenize("The cat sleeps. Look, a dog!")
    ['the', 'cat', 'sleeps', 'look', 'a', 'dog']
    """
    return _WORD.findall(text.lower())


def split_sentences(text: str) -> list[str]:
    """Split ``text`` after each ``.``, ``!`` or ``?``; line breaks inside a sentence go.

    Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html).

    >>> split_sentences("The cat\\nsleeps. Look, a dog!  Is it wet?")
    ['The cat sleeps.', 'Look, a dog!', 'Is it wet?']
    """
    flat = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(flat) if s]


def topic_sentences(text: str | None = None) -> list[tuple[str, str]]:
    """Every sentence of the corpus's chapters with its chapter's topic, in corpus order.

    The label comes from where the sentence stands (its chapter), not from its words, which is
    what makes it a fair target for a text classifier. The title and preface, which precede
    the first chapter, are left out. Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html), section "Classifying sentences
    with EmbeddingBag".

    >>> pairs = topic_sentences()
    >>> pairs[0]
    ('On the farm by the river live many animals.', 'animals')
    >>> sorted({topic for _, topic in pairs}) == sorted(TOPICS)
    True
    """
    text = load_corpus() if text is None else text
    titles = {topic.capitalize(): topic for topic in TOPICS}
    pairs: list[tuple[str, str]] = []
    topic: str | None = None
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if paragraph in titles:
            topic = titles[paragraph]
        elif topic is not None and paragraph:
            pairs += [(sentence, topic) for sentence in split_sentences(paragraph)]
    return pairs


def _as_list(ids: torch.Tensor | Iterable[int]) -> list[int]:
    return ids.tolist() if isinstance(ids, torch.Tensor) else [int(i) for i in ids]


class Vocab:
    """A word vocabulary: words to integer ids and back, most frequent words first.

    Ids ``0`` and ``1`` are the special tokens ``<pad>`` (padding, for batches of sequences of
    different lengths) and ``<unk>`` (any word not in the vocabulary). ``counts[i]`` is how
    often word ``i`` occurred in the tokens the vocabulary was built from (0 for the specials).
    Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html).

    >>> vocab = Vocab.from_tokens("the cat and the dog".split())
    >>> vocab.itos
    ['<pad>', '<unk>', 'the', 'and', 'cat', 'dog']
    >>> vocab.encode(["the", "owl"])
    tensor([2, 1])
    >>> vocab.decode([4, 3, 5])
    ['cat', 'and', 'dog']
    >>> vocab.counts.tolist()
    [0, 0, 2, 1, 1, 1]
    """

    PAD, UNK = 0, 1
    SPECIALS = ("<pad>", "<unk>")

    def __init__(self, words: Sequence[str], counts: Sequence[int] | None = None) -> None:
        self.itos: list[str] = [*self.SPECIALS, *words]
        if len(set(self.itos)) != len(self.itos):
            raise ValueError("Vocab: the words must be unique and must not be <pad> or <unk>")
        self.stoi: dict[str, int] = {word: i for i, word in enumerate(self.itos)}
        counts = [0] * len(words) if counts is None else list(counts)
        if len(counts) != len(words):
            raise ValueError(f"Vocab: {len(words)} words but {len(counts)} counts")
        self.counts = torch.tensor([0, 0, *counts], dtype=torch.long)

    @classmethod
    def from_tokens(cls, tokens: Iterable[str], min_count: int = 1) -> Vocab:
        """Every token seen at least ``min_count`` times, by falling count, ties alphabetical."""
        counter = Counter(tokens)
        ranked = sorted(
            (item for item in counter.items() if item[1] >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        return cls([w for w, _ in ranked], [c for _, c in ranked])

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Iterable[str]) -> torch.Tensor:
        """The ids of ``tokens`` as a 1-D ``int64`` tensor; unknown words map to ``<unk>``."""
        return torch.tensor([self.stoi.get(t, self.UNK) for t in tokens], dtype=torch.long)

    def decode(self, ids: torch.Tensor | Iterable[int]) -> list[str]:
        """The words of ``ids`` (a tensor or a sequence of ints)."""
        return [self.itos[i] for i in _as_list(ids)]


class CharTokenizer:
    """Characters to integer ids and back: the alphabet of a text, sorted.

    Introduced in *Recurrent Neural Networks and LSTMs* (Module 18,
    https://dlcourse.github.io/dlcourse/modules/recurrent-neural-networks-and-lstm.html).

    >>> tok = CharTokenizer("hello world")
    >>> tok.chars
    [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
    >>> tok.encode("hole")
    tensor([3, 5, 4, 2])
    >>> tok.decode(tok.encode("hello"))
    'hello'
    >>> len(tok)
    8
    """

    def __init__(self, text: str) -> None:
        self.chars: list[str] = sorted(set(text))
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """The ids of the characters of ``text`` as a 1-D ``int64`` tensor."""
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise KeyError(
                f"CharTokenizer: characters {unknown!r} are not in its alphabet; build the "
                "tokenizer from a text that contains them"
            )
        return torch.tensor([self.stoi[c] for c in text], dtype=torch.long)

    def decode(self, ids: torch.Tensor | Iterable[int]) -> str:
        """The text of ``ids`` (a tensor or a sequence of ints)."""
        return "".join(self.chars[i] for i in _as_list(ids))


def skipgram_pairs(
    sentences: Iterable[torch.Tensor], window: int = 2
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (center, context) id pairs within ``window`` words, never across sentences.

    Each sentence is a 1-D tensor of word ids. Returns two 1-D tensors of equal length: the
    center words and their context words. Introduced in *Embeddings* (Module 17,
    https://dlcourse.github.io/dlcourse/modules/embeddings.html), section "Skip-gram".

    >>> centers, contexts = skipgram_pairs([torch.tensor([7, 8, 9])], window=1)
    >>> list(zip(centers.tolist(), contexts.tolist()))
    [(7, 8), (8, 9), (8, 7), (9, 8)]
    """
    if window < 1:
        raise ValueError(f"skipgram_pairs: window must be at least 1, got {window}")
    centers, contexts = [], []
    for ids in sentences:
        for offset in range(1, window + 1):
            centers += [ids[:-offset], ids[offset:]]
            contexts += [ids[offset:], ids[:-offset]]
    if not centers:
        return torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
    return torch.cat(centers), torch.cat(contexts)


def language_model_batch(
    ids: torch.Tensor, seq_len: int, batch_size: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A random batch of windows from a long id sequence, and the same windows shifted by one.

    ``x[b]`` is ``ids[s:s + seq_len]`` for a random start ``s`` and ``y[b]`` is
    ``ids[s + 1:s + seq_len + 1]``: the next token at every position, the target of a
    language model. Both have shape ``(batch_size, seq_len)``. Introduced in *Recurrent Neural
    Networks and LSTMs* (Module 18,
    https://dlcourse.github.io/dlcourse/modules/recurrent-neural-networks-and-lstm.html).

    >>> x, y = language_model_batch(torch.arange(100), seq_len=5, batch_size=2,
    ...                             generator=torch.Generator().manual_seed(0))
    >>> x.shape, torch.equal(y, x + 1)
    (torch.Size([2, 5]), True)
    """
    if len(ids) <= seq_len:
        raise ValueError(
            f"language_model_batch: the sequence ({len(ids)} ids) must be longer than "
            f"seq_len ({seq_len})"
        )
    starts = torch.randint(0, len(ids) - seq_len, (batch_size,), generator=generator)
    offsets = torch.arange(seq_len)
    x = ids[starts[:, None] + offsets]
    y = ids[starts[:, None] + offsets + 1]
    return x, y
