"""Tests of dlcourse.tuning: trials, grid and random search, successive halving."""

import math

import torch

from dlcourse.tuning import (
    Result,
    Run,
    grid_search,
    random_search,
    sample_log_uniform,
    successive_halving,
)


def tiny_data() -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(80, 4, generator=g)
    y = (X[:, 0] - X[:, 1] > 0).long()
    return X[:60], y[:60], X[60:], y[60:]


def test_run_trains_and_resumes() -> None:
    data = tiny_data()
    run = Run({"lr": 0.1, "weight_decay": 0.0}, data)
    first = run.train(5)
    second = run.train(45)
    assert (first.epochs, second.epochs) == (5, 50)
    assert second.val_loss < first.val_loss
    # resuming equals training in one go
    once = Run({"lr": 0.1, "weight_decay": 0.0}, data).train(50)
    assert math.isclose(once.val_loss, second.val_loss, rel_tol=1e-5)


def test_run_diverged_sorts_last() -> None:
    data = tiny_data()
    bad = Run({"lr": 1e6, "weight_decay": 0.0}, data).train(20)
    good = Run({"lr": 0.1, "weight_decay": 0.0}, data).train(20)
    assert sorted([bad, good], key=Result.key)[0] is good


def test_grid_search_covers_product() -> None:
    results = grid_search(
        {"lr": [1e-3, 1e-1], "weight_decay": [0.0, 1e-3]}, lambda c: Result(c, 0.0, 0.0, 0)
    )
    assert [r.config for r in results] == [
        {"lr": 1e-3, "weight_decay": 0.0},
        {"lr": 1e-3, "weight_decay": 1e-3},
        {"lr": 1e-1, "weight_decay": 0.0},
        {"lr": 1e-1, "weight_decay": 1e-3},
    ]


def test_log_uniform_is_uniform_in_the_exponent_and_reproducible() -> None:
    values = sample_log_uniform(1e-6, 1.0, 6000, torch.Generator().manual_seed(0))
    per_decade = [sum(10 ** -(k + 1) <= v < 10**-k for v in values) for k in range(6)]
    assert all(800 < n < 1200 for n in per_decade)
    again = sample_log_uniform(1e-6, 1.0, 6000, torch.Generator().manual_seed(0))
    assert values == again


def test_random_search_finds_a_good_learning_rate() -> None:
    data = tiny_data()
    results = random_search(
        {"lr": (1e-5, 1.0), "weight_decay": (1e-6, 1e-2)},
        n_trials=8,
        objective=lambda c: Run(c, data).train(40),
    )
    best = min(results, key=Result.key)
    worst = max(results, key=Result.key)
    assert best.val_accuracy > 0.85
    assert best.config["lr"] > worst.config["lr"]


def test_successive_halving_budget_and_winner() -> None:
    data = tiny_data()
    lrs = [1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1e-5, 1e-4]
    configs = [{"lr": lr, "weight_decay": 0.0} for lr in lrs]
    rungs = successive_halving(configs, lambda c: Run(c, data), min_epochs=4, eta=3)
    assert [len(r) for r in rungs] == [9, 3, 1]
    assert [r[0].epochs for r in rungs] == [4, 12, 36]
    assert rungs[-1][0].config["lr"] >= 1e-2  # the tiny learning rates were dropped
