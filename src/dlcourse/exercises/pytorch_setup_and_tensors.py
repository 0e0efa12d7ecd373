"""Checks for the exercises of Module 2, Installing PyTorch and Tensor Fundamentals."""

from __future__ import annotations

import torch

from dlcourse.exercises import Exercise

#: the first five iris flowers (scikit-learn's ``load_iris``), in centimetres
FIRST_FIVE = torch.tensor(
    [
        [5.1, 3.5, 1.4, 0.2],
        [4.9, 3.0, 1.4, 0.2],
        [4.7, 3.2, 1.3, 0.2],
        [4.6, 3.1, 1.5, 0.2],
        [5.0, 3.6, 1.4, 0.2],
    ]
)

#: which expressions share storage with ``x = torch.arange(12.0).reshape(3, 4)``
SHARES = {
    "x[1]": True,
    "x[:, 1]": True,
    "x.T": True,
    "x.flatten()": True,
    "x.T.flatten()": False,
    "x[x > 5]": False,
    "x.unsqueeze(0)": True,
}

#: mean petal length (cm) of setosa, versicolor and virginica
PETAL_MEANS = (1.462, 4.260, 5.552)


def _distances(D: torch.Tensor) -> str | None:
    D = torch.as_tensor(D)
    if D.shape != (5, 5):
        return f"`D` should have shape (5, 5), one distance per pair, not {tuple(D.shape)}"
    D = D.double()
    if not torch.allclose(D, D.T, atol=1e-5) or D.diagonal().abs().max() > 1e-5:
        return "a distance matrix is symmetric with zeros on its diagonal"
    if not torch.allclose(D, torch.cdist(FIRST_FIVE, FIRST_FIVE).double(), atol=1e-4):
        if torch.allclose(D, torch.cdist(FIRST_FIVE, FIRST_FIVE).double() ** 2, atol=1e-4):
            return "these are squared distances: the Euclidean distance takes a square root"
        return "`D` does not hold the Euclidean distances between the first five flowers of `X`"
    return None


def _view_or_copy(shares: dict) -> str | None:
    if set(shares) != set(SHARES):
        return (
            "`shares` should map each of the seven expressions, written as in the exercise, "
            "to a bool"
        )
    if not all(isinstance(v, bool) for v in shares.values()):
        return "each value of `shares` should be True or False"
    off = [name for name in SHARES if shares[name] != SHARES[name]]
    if off:
        return (
            f"{len(off)} of the seven {'is' if len(off) == 1 else 'are'} off: a view needs "
            "the result's elements to be reachable with strides from the same storage"
        )
    return None


def _per_class_means(petal_means: torch.Tensor) -> str | None:
    means = torch.as_tensor(petal_means, dtype=torch.float64).flatten()
    if means.numel() != 3:
        return "`petal_means` should hold three means, one per species, in the order of `y`"
    if torch.allclose(means, torch.tensor(PETAL_MEANS, dtype=torch.float64), atol=1e-3):
        return None
    if means.max() - means.min() < 1e-6:
        return "the three means are equal: select each species' rows with a mask on `y`"
    return "these are not the mean petal lengths: petal length is column 2 of `X`"


EXERCISES = (
    Exercise(
        1,
        "Pairwise distances by broadcasting",
        names=("D",),
        test=_distances,
        wrong=(
            {"D": torch.cdist(FIRST_FIVE, FIRST_FIVE) ** 2},  # no square root
            {"D": FIRST_FIVE[:, None, :] - FIRST_FIVE[None, :, :]},  # not summed over features
            {"D": torch.cdist(FIRST_FIVE[:, :2], FIRST_FIVE[:, :2])},  # not all four features
        ),
    ),
    Exercise(
        2,
        "View or copy?",
        names=("shares",),
        test=_view_or_copy,
        wrong=(
            {"shares": dict.fromkeys(SHARES, True)},  # "everything is a view"
            {"shares": {**SHARES, "x.T.flatten()": True}},  # flatten always a view
            {"shares": {**SHARES, "x[:, 1]": False}},  # a column is not contiguous
            {"shares": list(SHARES.values())},  # not keyed by expression
        ),
    ),
    Exercise(
        3,
        "Per-class means with a mask",
        names=("petal_means",),
        test=_per_class_means,
        wrong=(
            {"petal_means": torch.tensor([0.246, 1.326, 2.026])},  # petal width, column 3
            {"petal_means": torch.tensor([3.758] * 3)},  # the overall mean
            {"petal_means": torch.tensor(1.462)},  # setosa's only
        ),
    ),
)
