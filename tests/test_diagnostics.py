"""Tests of dlcourse.diagnostics: storage, parameter counts, gradient norms, activation hooks
and statistics, dead units, the initial-loss check."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlcourse.data import make_moons
from dlcourse.diagnostics import (
    ActivationRecorder,
    GradNormMonitor,
    activation_stats,
    count_parameters,
    dead_unit_fraction,
    dead_units,
    expected_initial_loss,
    grad_norms_per_layer,
    shares_storage,
)
from dlcourse.models import MLP, DeepMLP, init_for_activation
from dlcourse.train import fit


def tiny_classification() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(48, 6, generator=g)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()  # 3 classes
    return X, y


def sgd_steps(model: nn.Module, X: torch.Tensor, y: torch.Tensor, steps: int, lr: float) -> None:
    fit(model, X, y, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=lr), steps)


def test_shares_storage_tells_views_from_copies() -> None:
    x = torch.arange(6.0).reshape(2, 3)
    assert shares_storage(x, x.view(6))
    assert shares_storage(x, x.T)
    assert shares_storage(x, x[:, 1])
    assert not shares_storage(x, x.T.reshape(6))  # non-contiguous: reshape copies
    assert not shares_storage(x, x[x > 2])
    assert not shares_storage(x, x.clone())


def test_count_parameters_counts_trainable_only_by_default() -> None:
    model = MLP(13, [64, 32], 3)
    assert count_parameters(model) == 13 * 64 + 64 + 64 * 32 + 32 + 32 * 3 + 3
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == count_parameters(model, trainable_only=False) - 13 * 64


def test_expected_initial_loss_matches_fresh_classifier() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [16], 3)
    loss = nn.CrossEntropyLoss()(model(X), y).item()
    assert expected_initial_loss(3) == pytest.approx(math.log(3))
    assert abs(loss - expected_initial_loss(3)) < 0.3


def test_grad_norm_monitor_records_every_step_and_matches_grad() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [8, 8], 3)
    with GradNormMonitor(model) as monitor:
        sgd_steps(model, X, y, steps=5, lr=0.1)
    assert list(monitor.history) == ["0.weight", "2.weight", "4.weight"]
    assert all(len(v) == 5 for v in monitor.history.values())
    # after removal, no more records; the last record equals the last gradient's norm
    last = model[4].weight.grad.norm().item()
    assert monitor.history["4.weight"][-1] == pytest.approx(last)
    model(X).sum().backward()
    assert len(monitor.history["4.weight"]) == 5


def test_sigmoid_gradients_vanish_towards_input() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [16] * 5, 3, activation=nn.Sigmoid)
    with GradNormMonitor(model) as monitor:
        sgd_steps(model, X, y, steps=1, lr=0.1)
    first, last = monitor.history["0.weight"][0], monitor.history["10.weight"][0]
    assert last > 10 * first


def test_grad_norms_per_layer_sigmoid_vanishes_relu_does_not() -> None:
    X, y = make_moons(n=128)
    ratios = {}
    for activation in (nn.Sigmoid, nn.ReLU):
        torch.manual_seed(0)
        model = init_for_activation(MLP(2, [16] * 8, 2, activation=activation), activation)
        nn.CrossEntropyLoss()(model(X), y).backward()
        norms = grad_norms_per_layer(model)
        assert len(norms) == 9
        ratios[activation] = norms[-1] / norms[0]
    assert ratios[nn.Sigmoid] > 100 * ratios[nn.ReLU]


def test_grad_norms_per_layer_needs_a_backward_pass() -> None:
    with pytest.raises(ValueError, match="call loss.backward"):
        grad_norms_per_layer(nn.Linear(2, 1))


def test_recorder_collects_and_removes_hooks() -> None:
    model = MLP(8, [16, 16], 2)
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


def test_dead_units_after_negative_bias() -> None:
    torch.manual_seed(0)
    model = MLP(2, [16, 16], 2)
    X, _ = make_moons(n=64)
    assert dead_unit_fraction(model, X)[0] < 0.5
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    masks = dead_units(model, X)
    assert len(masks) == 2 and bool(masks[0].all())
    assert dead_unit_fraction(model, X)[0] == 1.0
