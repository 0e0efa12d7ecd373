"""Checks for the exercises of Module 10, Training Loop Engineering."""

from __future__ import annotations

import torch

from dlcourse.exercises import Exercise


def _weights_only(same: int, total: int) -> str | None:
    if not (isinstance(same, int) and isinstance(total, int)) or total <= 0:
        return "`same` and `total` should be ints: counts of parameter tensors"
    if same == total:
        return (
            "every tensor equals run A's: did you resume from the weights alone, with a fresh "
            "optimizer, scheduler and random state?"
        )
    if same != 0:
        return "count again: after resuming without the optimizer's state, every step differs"
    return None


def _per_class(
    cm: torch.Tensor, precision: torch.Tensor, recall: torch.Tensor, lowest_f1: int
) -> str | None:
    cm = torch.as_tensor(cm).double()
    tp = cm.diag()
    right_p = tp / cm.sum(dim=0).clamp_min(1)
    right_r = tp / cm.sum(dim=1).clamp_min(1)
    precision = torch.as_tensor(precision).double()
    recall = torch.as_tensor(recall).double()
    if precision.shape != tp.shape or recall.shape != tp.shape:
        return f"`precision` and `recall` should hold one value per class, shape {tuple(tp.shape)}"
    if (
        torch.allclose(precision, right_r)
        and torch.allclose(recall, right_p)
        and not torch.allclose(right_p, right_r)
    ):
        return (
            "precision and recall are swapped: rows of `cm` are true classes, columns predictions"
        )
    if not torch.allclose(precision, right_p, atol=1e-6):
        return "precision of class c is the share of the examples predicted as c that truly are c"
    if not torch.allclose(recall, right_r, atol=1e-6):
        return "recall of class c is the share of the examples of class c predicted as c"
    f1 = 2 * right_p * right_r / (right_p + right_r).clamp_min(1e-12)
    if int(lowest_f1) != int(f1.argmin()):
        return "`lowest_f1` should be the index of the class with the lowest F1"
    return None


_CM = torch.tensor([[5, 1, 0], [3, 4, 1], [0, 0, 6]])  # rows true, columns predicted
_TP = _CM.diag().double()
_P = _TP / _CM.sum(0)
_R = _TP / _CM.sum(1)

EXERCISES = (
    Exercise(
        1,
        "Checkpoint less",
        names=("same", "total"),
        test=_weights_only,
        wrong=(
            {"same": 6, "total": 6},  # the full checkpoint was loaded
            {"same": 3, "total": 6},
            {"same": 0.0, "total": "6"},  # not counts
        ),
    ),
    Exercise(
        2,
        "Per-class precision and recall",
        names=("cm", "precision", "recall", "lowest_f1"),
        test=_per_class,
        wrong=(
            {"cm": _CM, "precision": _R, "recall": _P, "lowest_f1": 1},  # swapped
            {"cm": _CM, "precision": _P, "recall": _R, "lowest_f1": 2},  # the highest F1
            # the macro averages, not one value per class
            {"cm": _CM, "precision": _P.mean(), "recall": _R.mean(), "lowest_f1": 1},
        ),
    ),
)
