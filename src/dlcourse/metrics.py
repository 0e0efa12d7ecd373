"""Metrics: how often a classifier is right, and which mistakes it makes.

Every metric takes the model's ``outputs`` and the ``targets``: ``outputs`` are either predicted
labels ``(N,)`` or logits ``(N, C)``, whose largest entry is the prediction.
"""

from __future__ import annotations

import torch

__all__ = [
    "accuracy",
    "binary_metrics",
    "confusion_matrix",
    "f1_score",
    "per_class_metrics",
]


def _labels(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Predicted labels: ``outputs`` itself, or its argmax over classes if it holds logits."""
    return outputs.argmax(dim=1) if outputs.dim() == targets.dim() + 1 else outputs


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of examples whose prediction equals the target.

    ``outputs`` are predicted labels or logits (the largest logit is the prediction).
    Introduced in *Building Models with nn.Module*:
    https://dlcourse.github.io/dlcourse/modules/building-models-with-nn-module.html

    >>> accuracy(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]))
    0.75
    >>> logits = torch.tensor([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0], [0.0, 1.0]])
    >>> accuracy(logits, torch.tensor([0, 1, 1, 1]))
    0.75
    """
    return (_labels(outputs, targets) == targets).float().mean().item()


def confusion_matrix(
    outputs: torch.Tensor, targets: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """Counts: row = true class, column = predicted class.

    ``outputs`` are predicted labels or logits. Introduced in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2)
    tensor([[1, 1],
            [0, 1]])
    """
    index = targets * num_classes + _labels(outputs, targets)
    counts = torch.bincount(index, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def f1_score(outputs: torch.Tensor, targets: torch.Tensor, num_classes: int) -> float:
    """Macro F1: the F1 score of each class, averaged with equal weight per class.

    A class never predicted and never present is left out of the average. ``outputs`` are
    predicted labels or logits. Introduced in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> round(f1_score(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2), 4)
    0.6667
    """
    cm = confusion_matrix(outputs, targets, num_classes).double()
    tp = cm.diag()
    predicted, actual = cm.sum(dim=0), cm.sum(dim=1)
    present = (predicted + actual) > 0
    f1 = 2 * tp / (predicted + actual).clamp_min(1)
    return f1[present].mean().item()


def binary_metrics(logits: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """Accuracy, precision and recall of a binary classifier from its logits (threshold 0).

    Precision is 0 when the model predicts no positives. Introduced in *Loss Functions*, to show
    what ``pos_weight`` changes on an imbalanced data set:
    https://dlcourse.github.io/dlcourse/modules/loss-functions.html

    >>> m = binary_metrics(torch.tensor([2.0, -1.0, 3.0, -2.0]), torch.tensor([1, 1, 0, 0]))
    >>> m["accuracy"], m["precision"], m["recall"]
    (0.5, 0.5, 0.5)
    """
    pred = (logits.detach().reshape(-1) > 0).long()
    y = targets.reshape(-1).long()
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    return {
        "accuracy": accuracy(pred, y),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def per_class_metrics(
    outputs: torch.Tensor, targets: torch.Tensor, num_classes: int
) -> dict[str, torch.Tensor]:
    """Precision, recall, F1 and support (number of true examples) of every class.

    Each value is a tensor of shape ``(num_classes,)``, read off :func:`confusion_matrix`:
    precision = correct / predicted as the class (column sum), recall = correct / truly the
    class (row sum), F1 = 2PR / (P + R); a class never predicted has precision 0, a class
    never present recall 0 (as scikit-learn's ``precision_recall_fscore_support`` with
    ``zero_division=0``). The mean of ``f1`` over the classes that are present or predicted is
    :func:`f1_score`. ``outputs`` are predicted labels or logits. Introduced in *Capstone: an
    End-to-End Digit Reader* (Module 26,
    https://dlcourse.github.io/dlcourse/modules/capstone-project.html).

    >>> m = per_class_metrics(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 1, 1]), 2)
    >>> m["precision"].tolist(), m["recall"].tolist(), m["support"].tolist()
    ([1.0, 0.6666666666666666], [0.5, 1.0], [2, 2])
    >>> [round(f, 4) for f in m["f1"].tolist()]
    [0.6667, 0.8]
    """
    cm = confusion_matrix(outputs, targets, num_classes)
    tp = cm.diag().double()
    predicted, support = cm.sum(dim=0), cm.sum(dim=1)
    precision = tp / predicted.clamp_min(1)
    recall = tp / support.clamp_min(1)
    f1 = 2 * tp / (predicted + support).clamp_min(1)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support}
