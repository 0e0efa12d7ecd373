"""Tests of dlcourse.engine: the loop trains, metrics are right, resume is exact."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlcourse import engine


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(128, 4, generator=g)
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
            engine.train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
            sched.step()
        engine.save_checkpoint(path, model, opt, sched, epoch=stop_after, generator=g)
        torch.manual_seed(123)  # disturb everything before resuming
        g.manual_seed(456)
        model, opt, sched, loader = build()
        start = engine.load_checkpoint(path, model, opt, sched, generator=g)["epoch"]
    for _ in range(start, epochs):
        engine.train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
        sched.step()
    return model


def test_train_one_epoch_lowers_the_loss():
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = engine.evaluate(model, loader, nn.CrossEntropyLoss())
    for _ in range(10):
        engine.train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    after = engine.evaluate(model, loader, nn.CrossEntropyLoss())
    assert after["loss"] < before["loss"] / 2
    assert after["accuracy"] > 0.9


def test_resumed_run_is_bit_identical(tmp_path):
    straight = _run(5, None, tmp_path / "unused.pt")
    resumed = _run(5, 2, tmp_path / "ckpt.pt")
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(a, b)


def test_metrics_match_hand_counts():
    preds = torch.tensor([0, 0, 1, 2, 2, 2])
    targets = torch.tensor([0, 1, 1, 2, 2, 0])
    cm = engine.confusion_matrix(preds, targets, 3)
    assert cm.tolist() == [[1, 0, 1], [1, 1, 0], [0, 0, 2]]
    assert abs(engine.accuracy(preds, targets) - 4 / 6) < 1e-6
    # per-class F1: 2*1/(2+2)=0.5, 2*1/(1+2)=2/3, 2*2/(3+2)=0.8
    assert abs(engine.f1_score(preds, targets, 3) - (0.5 + 2 / 3 + 0.8) / 3) < 1e-9


def test_early_stopping_keeps_the_best_state():
    model = nn.Linear(1, 1)
    stopper = engine.EarlyStopping(patience=2)
    for value in [3.0, 2.0]:
        stopper.step(value, model)
    best_weight = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    assert not stopper.step(2.5, model)
    assert stopper.step(2.1, model)
    assert torch.equal(stopper.best_state["weight"], best_weight)


def test_progress_bar_output_is_deterministic(capsys):
    X, y = _data()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    outputs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        engine.train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt, progress=True)
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "4/4" in outputs[0] and "it/s" not in outputs[0]
