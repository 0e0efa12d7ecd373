"""scikit-learn's bundled tabular data sets as tensors; nothing is downloaded."""

from __future__ import annotations

import torch

__all__ = ["load_tabular"]

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
    scikit-learn. Introduced in *Installing PyTorch and Tensor Fundamentals*:
    https://dlcourse.github.io/dlcourse/modules/pytorch-setup-and-tensors.html

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
