"""Tests of dlcourse.train: the one engine trains, its variations work, resume is exact."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlcourse.diagnostics import ActivationRecorder
from dlcourse.models import MLP
from dlcourse.train import (
    BAR_FORMAT,
    EarlyStopping,
    evaluate,
    fit,
    l1_penalty,
    load_checkpoint,
    predict,
    restore_rng_states,
    rng_states,
    save_checkpoint,
    train_one_epoch,
)


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(128, 4, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def tiny_task(n: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 8, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def _run(epochs: int, stop_after: int | None, path) -> nn.Module:
    """Train with dropout and shuffling; optionally checkpoint, rebuild and resume."""
    X, y = _data()
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)

    def build():
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, generator=g)
        return model, opt, sched, loader

    model, opt, sched, loader = build()
    start = 0
    if stop_after is not None:
        for _ in range(stop_after):
            train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
            sched.step()
        save_checkpoint(path, model, opt, sched, epoch=stop_after, generator=g)
        torch.manual_seed(123)  # disturb everything before resuming
        g.manual_seed(456)
        model, opt, sched, loader = build()
        start = load_checkpoint(path, model, opt, sched, generator=g)["epoch"]
    for _ in range(start, epochs):
        train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
        sched.step()
    return model


def test_train_one_epoch_lowers_the_loss() -> None:
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = evaluate(model, loader, nn.CrossEntropyLoss())
    for _ in range(10):
        train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    after = evaluate(model, loader, nn.CrossEntropyLoss())
    assert after["loss"] < before["loss"] / 2
    assert after["accuracy"] > 0.9


def test_resumed_run_is_bit_identical(tmp_path) -> None:
    straight = _run(5, None, tmp_path / "unused.pt")
    resumed = _run(5, 2, tmp_path / "ckpt.pt")
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)


def test_checkpoint_keeps_extra_and_epoch(tmp_path) -> None:
    model = nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    save_checkpoint(tmp_path / "c.pt", model, opt, epoch=7, note="x")
    checkpoint = load_checkpoint(tmp_path / "c.pt", nn.Linear(2, 1), opt)
    assert checkpoint["epoch"] == 7 and checkpoint["extra"] == {"note": "x"}


def test_rng_states_round_trip_every_generator() -> None:
    import random

    import numpy as np

    g = torch.Generator().manual_seed(5)
    states = rng_states(g)
    first = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g))
    restore_rng_states(states, g)
    again = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g))
    assert first == again


def test_early_stopping_keeps_the_best_state() -> None:
    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=2)
    for value in [3.0, 2.0]:
        stopper.step(value, model)
    best_weight = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    assert not stopper.step(2.5, model)
    assert stopper.step(2.1, model)
    assert torch.equal(stopper.best_state["weight"], best_weight)


def test_progress_bar_output_is_deterministic(capsys) -> None:
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    outputs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt, progress=True)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "4/4" in outputs[0] and "it/s" not in outputs[0]
    assert "{rate" not in BAR_FORMAT and "{elapsed" not in BAR_FORMAT


def test_predict_and_evaluate_run_in_eval_mode_without_gradients() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.9))
    loader = [(torch.ones(5, 3), torch.zeros(5, dtype=torch.long))] * 2
    logits, targets = predict(model, loader)
    assert not model.training and not logits.requires_grad
    assert logits.shape == (10, 4) and targets.shape == (10,)
    assert torch.equal(logits[:5], logits[5:])  # dropout off: the same input, the same output
    regression = evaluate(nn.Linear(3, 1), [(torch.ones(4, 3), torch.ones(4, 1))], nn.MSELoss())
    assert set(regression) == {"loss"}  # no accuracy for real-valued targets


def test_fit_full_batch_equals_the_five_moves_by_hand() -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    model = MLP(8, [8], 2)
    twin = MLP(8, [8], 2)
    twin.load_state_dict(model.state_dict())
    history = fit(model, X, y, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), 0.1), 5)
    opt = torch.optim.SGD(twin.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(twin(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert history == {"loss": losses}
    assert all(
        torch.equal(a, b) for a, b in zip(model.parameters(), twin.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"batch_size": 32}, {"l1": 1e-4}, {"activation_penalty": 0.1}, {"input_noise": 0.1}],
)
def test_fit_loss_falls_with_every_variation(options: dict) -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    model = MLP(8, [16, 16], 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    h = fit(model, X, y, nn.CrossEntropyLoss(), optimizer, 40, val=(X, y), **options)
    assert h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    assert {"loss", "train_accuracy", "train_f1", "val_loss", "val_accuracy", "val_f1"} <= set(h)
    assert len(h["val_accuracy"]) == 40
    assert not any(m._forward_hooks for m in model.modules())  # fit removed its hooks


def test_fit_shuffles_reproducibly_by_seed() -> None:
    X, y = tiny_task()
    runs = []
    for seed in (0, 0, 1):
        torch.manual_seed(0)
        model = MLP(8, [8], 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        runs.append(fit(model, X, y, nn.CrossEntropyLoss(), opt, 3, batch_size=16, seed=seed))
    assert runs[0] == runs[1] != runs[2]


def test_activation_penalty_shrinks_activations() -> None:
    X, y = tiny_task()
    means = []
    for strength in [0.0, 1.0]:
        torch.manual_seed(0)
        model = MLP(8, [16, 16], 2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
        fit(model, X, y, nn.CrossEntropyLoss(), optimizer, 60, activation_penalty=strength)
        with ActivationRecorder([model[3]]) as rec, torch.no_grad():
            model(X)
            means.append(rec.outputs[0].mean().item())
    assert means[1] < means[0]


def test_l1_penalty_ignores_biases() -> None:
    layer = nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.fill_(-1.0)
        layer.bias.fill_(100.0)
    assert l1_penalty(layer).item() == pytest.approx(6.0)


def test_early_stopping_in_fit_restores_best_epoch() -> None:
    X, y = tiny_task()
    X_val, y_val = X[:20], 1 - y[:20]  # a validation set that training makes worse
    torch.manual_seed(0)
    model = MLP(8, [16, 16], 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    h = fit(model, X, y, nn.CrossEntropyLoss(), optimizer, 100, val=(X_val, y_val), patience=5)
    best = int(h["best_epoch"][0])
    assert len(h["val_loss"]) == best + 5
    with torch.no_grad():
        restored = nn.CrossEntropyLoss()(model(X_val), y_val).item()
    assert restored == pytest.approx(h["val_loss"][best - 1], rel=1e-5)


def test_fit_needs_validation_data_for_early_stopping() -> None:
    X, y = tiny_task()
    model = nn.Linear(8, 2)
    with pytest.raises(ValueError, match="val="):
        fit(model, X, y, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters()), 1, patience=3)


def test_fit_without_zero_grad_accumulates() -> None:
    X, y = tiny_task()
    torch.manual_seed(0)
    model = nn.Linear(8, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    fit(model, X, y, nn.CrossEntropyLoss(), optimizer, 3, zero_grad=False)
    accumulated = model.weight.grad.clone()
    model.zero_grad()
    nn.CrossEntropyLoss()(model(X), y).backward()  # lr=0: the weights did not move
    assert torch.allclose(accumulated, 3 * model.weight.grad)


def test_fit_steps_the_scheduler_every_batch() -> None:
    X, y = tiny_task()
    model = nn.Linear(8, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    fit(model, X, y, nn.CrossEntropyLoss(), optimizer, 2, batch_size=32, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == 0.5**6  # 3 batches an epoch, 2 epochs
