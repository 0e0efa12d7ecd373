"""Tests of dlcourse.diagnostics: gradient-norm hooks and the bare training loop."""

import math

import pytest
import torch
from torch import nn

from dlcourse.diagnostics import GradNormMonitor, expected_initial_loss, train_steps
from dlcourse.models import MLP


def tiny_classification() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(48, 6, generator=g)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()  # 3 classes
    return X, y


def test_expected_initial_loss_matches_fresh_classifier() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [16], 3)
    loss = nn.CrossEntropyLoss()(model(X), y).item()
    assert expected_initial_loss(3) == pytest.approx(math.log(3))
    assert abs(loss - expected_initial_loss(3)) < 0.3


def test_train_steps_overfits_one_batch() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [32], 3)
    losses = train_steps(model, X[:8], y[:8], nn.CrossEntropyLoss(), num_steps=150, lr=0.2)
    assert losses[-1] < 0.05 < losses[0]


def test_train_steps_without_zero_grad_accumulates() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = nn.Linear(6, 3)
    train_steps(model, X, y, nn.CrossEntropyLoss(), num_steps=3, lr=0.0, zero_grad=False)
    accumulated = model.weight.grad.clone()
    model.zero_grad()
    nn.CrossEntropyLoss()(model(X), y).backward()  # lr=0: the weights did not move
    assert torch.allclose(accumulated, 3 * model.weight.grad)


def test_grad_norm_monitor_records_every_step_and_matches_grad() -> None:
    X, y = tiny_classification()
    torch.manual_seed(0)
    model = MLP(6, [8, 8], 3)
    with GradNormMonitor(model) as monitor:
        train_steps(model, X, y, nn.CrossEntropyLoss(), num_steps=5, lr=0.1)
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
        train_steps(model, X, y, nn.CrossEntropyLoss(), num_steps=1)
    first, last = monitor.history["0.weight"][0], monitor.history["10.weight"][0]
    assert last > 10 * first


def test_silence_stderr_hides_profiler_notices(capfd) -> None:
    from torch.profiler import ProfilerActivity, profile

    from dlcourse.diagnostics import silence_stderr

    with silence_stderr(), profile(activities=[ProfilerActivity.CPU]):
        torch.randn(4, 4) @ torch.randn(4, 4)
    assert "profiler_start" not in capfd.readouterr().err
