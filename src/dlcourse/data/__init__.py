"""Offline datasets: synthetic generators and scikit-learn's bundled data, as tensors.

Nothing here downloads anything.
"""

from __future__ import annotations

import torch

from dlcourse.data.text import (  # noqa: F401  (re-exported: Modules 17, 18, 20)
    CORPUS_LICENSE,
    TOPICS,
    CharTokenizer,
    Vocab,
    language_model_batch,
    load_corpus,
    skipgram_pairs,
    split_sentences,
    tokenize,
    topic_sentences,
)


def make_regression(
    n: int = 256,
    in_features: int = 10,
    noise: float = 0.1,
    frequency: float = 2.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A regression task that bends: ``y = sin(f·x·w₁) + 0.5·relu(f·x·w₂) + noise``.

    ``f`` is ``frequency``: the higher, the further from linear. Used in Module 1 to train
    :class:`dlcourse.models.SimpleNN` and show what a linear model cannot fit. Returns ``X`` of
    shape ``(n, in_features)`` and ``y`` of shape ``(n, 1)``. The generator is private, so
    calling it does not disturb the global random state.

    >>> X, y = make_regression(n=8)
    >>> X.shape, y.shape
    (torch.Size([8, 10]), torch.Size([8, 1]))
    >>> torch.equal(make_regression(n=8)[1], y)
    True
    """
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, in_features, generator=g)
    w1 = torch.randn(in_features, 1, generator=g) / in_features**0.5
    w2 = torch.randn(in_features, 1, generator=g) / in_features**0.5
    y = (
        torch.sin(frequency * X @ w1)
        + 0.5 * torch.relu(frequency * X @ w2)
        + noise * torch.randn(n, 1, generator=g)
    )
    return X, y


def train_test_split(
    X: torch.Tensor, y: torch.Tensor, test_fraction: float = 0.25, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shuffle and split tensors into ``X_train, X_test, y_train, y_test``.

    >>> X, y = torch.arange(8.).reshape(8, 1), torch.arange(8)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25)
    >>> len(X_train), len(X_test)
    (6, 2)
    >>> sorted(torch.cat([y_train, y_test]).tolist()) == list(range(8))
    True
    """
    if len(X) != len(y):
        raise ValueError(f"X and y differ in length: {len(X)} vs {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(X), generator=g)
    n_test = max(1, round(len(X) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


_TABULAR = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
}


def load_tabular(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """One of scikit-learn's bundled data sets as tensors: ``X`` float32, ``y`` int64.

    ``name`` is ``"iris"``, ``"wine"``, ``"breast_cancer"`` or ``"digits"`` (8×8 images
    flattened to 64 features, pixel values 0–16). Nothing is downloaded: the data ships with
    scikit-learn.

    >>> X, y = load_tabular("iris")
    >>> X.shape, X.dtype, y.shape, y.dtype
    (torch.Size([150, 4]), torch.float32, torch.Size([150]), torch.int64)
    >>> load_tabular("mnist")
    Traceback (most recent call last):
    ...
    ValueError: unknown data set 'mnist': choose from breast_cancer, digits, iris, wine
    """
    if name not in _TABULAR:
        raise ValueError(f"unknown data set {name!r}: choose from {', '.join(sorted(_TABULAR))}")
    from sklearn import datasets

    bunch = getattr(datasets, _TABULAR[name])()
    X = torch.tensor(bunch.data, dtype=torch.float32)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    return X, y


def load_digit_images() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 handwritten digits as images: ``X`` of shape ``(N, 1, 8, 8)``
    scaled to [0, 1], and labels ``y``.

    >>> X, y = load_digit_images()
    >>> X.shape, float(X.max()), int(y.max())
    (torch.Size([1797, 1, 8, 8]), 1.0, 9)
    """
    X, y = load_tabular("digits")
    return (X / 16.0).reshape(-1, 1, 8, 8), y


def make_moons(
    n: int = 512, noise: float = 0.2, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's two interleaving half-moons as tensors (``X`` float32, ``y`` int64).

    >>> X, y = make_moons(n=10)
    >>> X.shape, y.tolist().count(1)
    (torch.Size([10, 2]), 5)
    """
    from sklearn.datasets import make_moons as sk_make_moons

    X, y = sk_make_moons(n_samples=n, noise=noise, random_state=seed)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.int64)


def standardize(X_train: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Standardize features with the training set's mean and standard deviation.

    The statistics come from ``X_train`` only, and are applied to every tensor in ``others``
    too, so no information leaks from validation or test data.

    >>> a, b = standardize(torch.tensor([[0.0], [2.0]]), torch.tensor([[4.0]]))
    >>> a.squeeze().tolist(), round(b.item(), 4)
    ([-0.7071067690849304, 0.7071067690849304], 2.1213)
    """
    mean = X_train.mean(dim=0)
    std = X_train.std(dim=0).clamp_min(1e-8)
    return tuple((t - mean) / std for t in (X_train, *others))
