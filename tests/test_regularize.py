"""Tests of dlcourse.regularize: penalties, activation hooks, the training runner, DeepMLP."""

import pytest
import torch
from torch import nn

from dlcourse.regularize import (
    ActivationRecorder,
    DeepMLP,
    activation_stats,
    l1_penalty,
    make_mlp,
    train_classifier,
)


def tiny_task(n: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 8, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def test_make_mlp_dropout_active_only_in_training() -> None:
    model = make_mlp(in_features=8, hidden=16, out_features=2, dropout=0.5)
    x = torch.randn(4, 8)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    torch.manual_seed(0)
    assert not torch.equal(model(x), model(x))


def test_l1_penalty_ignores_biases() -> None:
    layer = nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.fill_(-1.0)
        layer.bias.fill_(100.0)
    assert l1_penalty(layer).item() == pytest.approx(6.0)


def test_recorder_collects_and_removes_hooks() -> None:
    model = make_mlp(in_features=8, hidden=16, out_features=2)
    relus = [m for m in model if isinstance(m, nn.ReLU)]
    recorder = ActivationRecorder(relus)
    model(torch.randn(5, 8))
    assert [tuple(o.shape) for o in recorder.outputs] == [(5, 16), (5, 16)]
    penalty = recorder.penalty()
    penalty.backward()
    assert model[0].weight.grad is not None  # the penalty reaches the weights
    recorder.remove()
    recorder.clear()
    model(torch.randn(5, 8))
    assert recorder.outputs == []


@pytest.mark.parametrize(
    "options",
    [{}, {"weight_decay": 0.1}, {"l1": 1e-4}, {"activation_penalty": 0.1}, {"input_noise": 0.1}],
)
def test_train_classifier_loss_falls(options: dict) -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    model = make_mlp(in_features=8, hidden=16, out_features=2)
    h = train_classifier(model, X, y, X, y, num_epochs=40, lr=1e-2, **options)
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert len(h["val_acc"]) == 40


def test_activation_penalty_shrinks_activations() -> None:
    X, y = tiny_task()
    means = []
    for strength in [0.0, 1.0]:
        torch.manual_seed(0)
        model = make_mlp(in_features=8, hidden=16, out_features=2)
        train_classifier(model, X, y, X, y, num_epochs=60, lr=1e-2, activation_penalty=strength)
        with ActivationRecorder([model[3]]) as rec, torch.no_grad():
            model(X)
            means.append(rec.outputs[0].mean().item())
    assert means[1] < means[0]


def test_early_stopping_restores_best_epoch() -> None:
    X, y = tiny_task()
    X_val, y_val = X[:20], 1 - y[:20]  # a validation set that training makes worse
    torch.manual_seed(0)
    model = make_mlp(in_features=8, hidden=16, out_features=2)
    h = train_classifier(model, X, y, X_val, y_val, num_epochs=100, lr=1e-2, patience=5)
    best = int(h["best_epoch"][0])
    assert len(h["val_loss"]) == best + 5
    with torch.no_grad():
        restored = nn.CrossEntropyLoss()(model(X_val), y_val).item()
    assert restored == pytest.approx(h["val_loss"][best - 1], rel=1e-5)


def test_activation_stats_small_init_vanishes() -> None:
    torch.manual_seed(0)
    model = DeepMLP(8, 32, 2, depth=10)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)
    stds = activation_stats(model, torch.randn(64, 8), nn.ReLU)
    assert len(stds) == 10
    assert stds[-1] < 1e-6 < stds[0]


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_deep_mlp_trains(norm: str | None) -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    model = DeepMLP(8, 16, 2, depth=3, norm=norm, residual=True)
    h = train_classifier(model, X, y, X, y, num_epochs=40, lr=1e-2)
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]


def test_deep_mlp_rejects_unknown_norm() -> None:
    with pytest.raises(ValueError, match="norm must be"):
        DeepMLP(8, 16, 2, depth=2, norm="group")
