"""Tests of dlcourse.metrics: one accuracy for labels and logits, confusion matrix, F1."""

from __future__ import annotations

import pytest
import torch

from dlcourse.metrics import (
    accuracy,
    binary_metrics,
    confusion_matrix,
    f1_score,
    per_class_metrics,
)


def test_metrics_match_hand_counts() -> None:
    preds = torch.tensor([0, 0, 1, 2, 2, 2])
    targets = torch.tensor([0, 1, 1, 2, 2, 0])
    cm = confusion_matrix(preds, targets, 3)
    assert cm.tolist() == [[1, 0, 1], [1, 1, 0], [0, 0, 2]]
    assert accuracy(preds, targets) == pytest.approx(4 / 6)
    # per-class F1: 2*1/(2+2)=0.5, 2*1/(1+2)=2/3, 2*2/(3+2)=0.8
    assert f1_score(preds, targets, 3) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)


def test_logits_and_labels_give_the_same_metrics() -> None:
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 4, generator=g)
    targets = torch.randint(0, 4, (50,), generator=g)
    labels = logits.argmax(dim=1)
    assert accuracy(logits, targets) == accuracy(labels, targets)
    assert torch.equal(confusion_matrix(logits, targets, 4), confusion_matrix(labels, targets, 4))
    assert f1_score(logits, targets, 4) == f1_score(labels, targets, 4)
    assert confusion_matrix(logits, targets, 4).sum() == 50


def test_f1_leaves_out_absent_classes() -> None:
    preds, targets = torch.tensor([0, 1]), torch.tensor([0, 1])
    assert f1_score(preds, targets, 5) == 1.0


def test_binary_metrics_with_pos_weight_raises_recall() -> None:
    from torch import nn

    from dlcourse.train import fit

    g = torch.Generator().manual_seed(0)
    X = torch.randn(400, 2, generator=g)
    y = ((X[:, 0] + 0.5 * torch.randn(400, generator=g)) > 1.3).float().unsqueeze(1)
    recalls = []
    for pos_weight in (None, torch.tensor([10.0])):
        torch.manual_seed(0)
        model = nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        losses = fit(model, X, y, loss_fn, optimizer, 30, batch_size=32)["loss"]
        assert losses[-1] < losses[0]
        recalls.append(binary_metrics(model(X), y)["recall"])
    assert recalls[1] > recalls[0]


def test_binary_metrics_without_positive_predictions() -> None:
    m = binary_metrics(torch.tensor([-1.0, -2.0]), torch.tensor([1, 0]))
    assert m == {"accuracy": 0.5, "precision": 0.0, "recall": 0.0}


def test_per_class_metrics_match_hand_counts_and_f1_score() -> None:
    preds = torch.tensor([0, 0, 1, 2, 2, 2])
    targets = torch.tensor([0, 1, 1, 2, 2, 0])
    m = per_class_metrics(preds, targets, 3)
    assert m["precision"].tolist() == pytest.approx([1 / 2, 1 / 1, 2 / 3])
    assert m["recall"].tolist() == pytest.approx([1 / 2, 1 / 2, 2 / 2])
    assert m["f1"].tolist() == pytest.approx([0.5, 2 / 3, 0.8])
    assert m["support"].tolist() == [2, 2, 2]
    assert m["f1"].mean().item() == pytest.approx(f1_score(preds, targets, 3))


def test_per_class_metrics_never_predicted_or_absent_class_is_zero_not_nan() -> None:
    logits = torch.tensor([[2.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    m = per_class_metrics(logits, torch.tensor([0, 1, 1]), 3)  # class 2: never predicted
    assert m["precision"][2].item() == 0.0 and m["recall"][2].item() == 0.0
    assert m["f1"][2].item() == 0.0 and m["support"][2].item() == 0
    assert not any(v.isnan().any() for v in m.values())


def test_per_class_metrics_match_scikit_learn() -> None:
    """Against sklearn's precision_recall_fscore_support (zero_division=0), on random labels
    that leave some classes never predicted, never present, or both."""
    from sklearn.metrics import precision_recall_fscore_support

    g = torch.Generator().manual_seed(0)
    for _ in range(200):
        num_classes = int(torch.randint(2, 7, (1,), generator=g))
        n = int(torch.randint(1, 15, (1,), generator=g))
        targets = torch.randint(0, num_classes, (n,), generator=g)
        preds = torch.randint(0, num_classes, (n,), generator=g)
        m = per_class_metrics(preds, targets, num_classes)
        expected = precision_recall_fscore_support(
            targets.numpy(), preds.numpy(), labels=list(range(num_classes)), zero_division=0
        )
        for key, values in zip(("precision", "recall", "f1", "support"), expected, strict=True):
            assert m[key].tolist() == pytest.approx(values.tolist())
        seen = (m["support"] > 0) | (torch.bincount(preds, minlength=num_classes) > 0)
        assert m["f1"][seen].mean().item() == pytest.approx(f1_score(preds, targets, num_classes))
