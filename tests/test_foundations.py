"""Tests for dlcourse.foundations: the helpers of Part I's modules."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from dlcourse.foundations import (  # noqa: E402
    accuracy,
    draw_broadcast,
    draw_graph,
    fit_line_by_hand,
    make_line,
    plot_confusion_matrix,
    shares_storage,
    train_classifier,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_shares_storage_tells_views_from_copies():
    x = torch.arange(6.0).reshape(2, 3)
    assert shares_storage(x, x.view(6))
    assert shares_storage(x, x.T)
    assert shares_storage(x, x[:, 1])
    assert not shares_storage(x, x.T.reshape(6))  # non-contiguous: reshape copies
    assert not shares_storage(x, x[x > 2])
    assert not shares_storage(x, x.clone())


def test_draw_broadcast_marks_repeated_cells():
    ax = draw_broadcast(torch.zeros(4, 3), torch.zeros(3))
    dashed = [p for p in ax.patches if p.get_linestyle() == "--"]
    assert len(ax.patches) == 3 * 12
    assert len(dashed) == 9  # the row of b is real once and repeated three times


def test_draw_broadcast_rejects_incompatible_and_3d_shapes():
    with pytest.raises(RuntimeError):
        draw_broadcast(torch.zeros(4, 3), torch.zeros(4))
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        draw_broadcast(torch.zeros(2, 2, 2), torch.zeros(2))


def test_draw_graph_shows_leaves_and_operations():
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    loss = (w * 3 + b - 10) ** 2
    ax = draw_graph(loss, names={"w": w, "b": b, "loss": loss})
    texts = {t.get_text() for t in ax.texts if t.get_text()}
    assert {"w\n()", "b\n()", "loss\n()", "Pow\nBackward0", "Mul\nBackward0"} <= texts


def test_draw_graph_needs_a_tracked_tensor():
    with pytest.raises(ValueError, match="requires_grad=True"):
        draw_graph(torch.ones(2) * 2)


def test_make_line_is_deterministic_and_noisy():
    X, y = make_line(n=50, noise=0.5, seed=1)
    X2, y2 = make_line(n=50, noise=0.5, seed=1)
    assert torch.equal(X, X2) and torch.equal(y, y2)
    assert X.min() >= -1 and X.max() <= 1
    assert not torch.allclose(y, 3 * X + 2)


def test_fit_line_by_hand_matches_least_squares():
    X, y = make_line(n=100, noise=0.5)
    w, b, losses = fit_line_by_hand(X, y, lr=0.1, num_epochs=300)
    A = torch.cat([X, torch.ones_like(X)], dim=1)
    w_best, b_best = torch.linalg.lstsq(A, y).solution.squeeze().tolist()
    assert losses[-1] < losses[0] / 10
    assert w.item() == pytest.approx(w_best, abs=1e-3)
    assert b.item() == pytest.approx(b_best, abs=1e-3)
    assert not w.requires_grad  # returned detached


def test_accuracy_counts_argmax_hits():
    logits = torch.tensor([[0.0, 1.0], [2.0, 1.0]])
    assert accuracy(logits, torch.tensor([1, 0])) == 1.0
    assert accuracy(logits, torch.tensor([0, 0])) == 0.5


def test_train_classifier_loss_falls_and_restores_train_mode():
    torch.manual_seed(0)
    X = torch.randn(60, 4)
    y = (X[:, 0] + X[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2))
    curves = train_classifier(model, X[:40], y[:40], X[40:], y[40:], num_epochs=60, lr=0.05)
    assert set(curves) == {"train loss", "test loss", "train accuracy", "test accuracy"}
    assert all(len(v) == 60 for v in curves.values())
    assert curves["train loss"][-1] < curves["train loss"][0] / 2
    assert curves["train accuracy"][-1] >= 0.9


def test_plot_confusion_matrix_counts():
    y_true = torch.tensor([0, 0, 1, 2, 2, 2])
    y_pred = torch.tensor([0, 1, 1, 2, 2, 0])
    ax = plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"])
    image = ax.images[0].get_array()
    assert image.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
