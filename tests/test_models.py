"""Tests of dlcourse.models: every model trains on tiny data (its loss falls)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.models import MLP, DeepMLP, SimpleNN, init_for_activation
from dlcourse.train import fit


def tiny_task(n: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 8, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def losses_fall(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, X, y, loss_fn, optimizer, 40, batch_size=32)
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_simple_nn_trains_on_regression() -> None:
    torch.manual_seed(0)
    X = torch.randn(64, 10)
    y = X[:, :1] - 2 * X[:, 1:2]
    losses_fall(SimpleNN(hidden=16), X, y, nn.MSELoss())


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_mlp_trains(dropout: float) -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    losses_fall(MLP(8, [16, 16], 2, dropout=dropout), X, y, nn.CrossEntropyLoss())


def test_mlp_dropout_active_only_in_training() -> None:
    model = MLP(8, [16, 16], 2, dropout=0.5)
    assert sum(isinstance(m, nn.Dropout) for m in model) == 2
    x = torch.randn(4, 8)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    torch.manual_seed(0)
    assert not torch.equal(model(x), model(x))


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_deep_mlp_trains(norm: str | None) -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    losses_fall(DeepMLP(8, 16, 2, depth=3, norm=norm, residual=True), X, y, nn.CrossEntropyLoss())


def test_deep_mlp_rejects_unknown_norm() -> None:
    with pytest.raises(ValueError, match="norm must be"):
        DeepMLP(8, 16, 2, depth=2, norm="group")


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh])
def test_init_for_activation_keeps_the_scale_and_trains(activation: type[nn.Module]) -> None:
    torch.manual_seed(0)
    model = init_for_activation(MLP(8, [64] * 6, 2, activation=activation), activation)
    assert all(m.bias.abs().sum() == 0 for m in model if isinstance(m, nn.Linear))
    with torch.no_grad():
        h = torch.randn(256, 8)
        for layer in list(model)[:-1]:
            h = layer(h)
    assert 0.1 < h.std().item() < 3  # neither vanished nor exploded after six layers
    X, y = tiny_task()
    losses_fall(model, X, y, nn.CrossEntropyLoss())
