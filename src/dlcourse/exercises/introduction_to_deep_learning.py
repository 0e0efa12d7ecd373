"""Checks for the exercises of Module 1, Introduction to Deep Learning."""

from __future__ import annotations

import torch

from dlcourse.exercises import Exercise

WIDTHS = (1, 4, 32, 128)


def _means(losses: dict, name: str) -> dict[int, float] | str:
    if sorted(losses) != list(WIDTHS):
        return f"`{name}` should have one entry per width, keyed 1, 4, 32 and 128"
    means = {}
    for width, runs in losses.items():
        runs = torch.as_tensor(runs, dtype=torch.float64).flatten()
        if runs.numel() != 5:
            return f"`{name}[{width}]` should hold five losses, one per seed from 0 to 4"
        if runs.max() - runs.min() < 1e-12:
            return (
                f"the five runs in `{name}[{width}]` are identical: seed each run's "
                "initialization and shuffling with its own seed"
            )
        means[width] = runs.mean().item()
    return means


def _how_wide(train_by_width: dict, test_by_width: dict) -> str | None:
    train = _means(train_by_width, "train_by_width")
    if isinstance(train, str):
        return train
    test = _means(test_by_width, "test_by_width")
    if isinstance(test, str):
        return test
    if not all(train[a] > train[b] for a, b in zip(WIDTHS, WIDTHS[1:], strict=False)):
        return (
            "the mean training loss should fall as the layer widens: measure the MSE on "
            "the training set after training"
        )
    if max(test, key=test.get) != 1:
        return (
            "one hidden neuron should have the highest mean test loss: measure it on the test set"
        )
    return None


def _swap_optimizer(adam_history: list, history: list) -> str | None:
    adam_history = [float(v) for v in adam_history]
    if len(adam_history) != 60:
        return "`adam_history` should hold the loss of every epoch, 60 in all: what `fit` returns"
    if adam_history == [float(v) for v in history]:
        return "`adam_history` equals the SGD run: train a new model with torch.optim.Adam"
    if not adam_history[-1] < adam_history[0]:
        return "the training loss should fall from the first epoch to the last"
    if not (adam_history[0] < history[0] and adam_history[-1] < history[-1]):
        return (
            "with Adam at lr 0.01, the loss should be below SGD's after the first and the last "
            "epoch: check the learning rate and that you seeded with 0 before building the model"
        )
    return None


def _runs(*means: float) -> dict[int, torch.Tensor]:
    return {w: m + 0.01 * torch.arange(5.0) for w, m in zip(WIDTHS, means, strict=True)}


_SGD = [0.5 - 0.005 * i for i in range(60)]

EXERCISES = (
    Exercise(
        1,
        "How wide must the hidden layer be?",
        names=("train_by_width", "test_by_width"),
        test=_how_wide,
        wrong=(
            # one loss per width instead of five runs
            {
                "train_by_width": dict(zip(WIDTHS, (0.4, 0.1, 0.05, 0.03), strict=True)),
                "test_by_width": dict(zip(WIDTHS, (0.4, 0.1, 0.06, 0.05), strict=True)),
            },
            # the same seed for the five runs
            {
                "train_by_width": {w: torch.full((5,), 0.1) for w in WIDTHS},
                "test_by_width": _runs(0.4, 0.1, 0.06, 0.05),
            },
            # losses measured before training: they do not fall with width
            {
                "train_by_width": _runs(0.5, 0.5, 0.6, 0.7),
                "test_by_width": _runs(0.5, 0.5, 0.6, 0.7),
            },
        ),
    ),
    Exercise(
        2,
        "Swap the optimizer",
        names=("adam_history", "history"),
        test=_swap_optimizer,
        wrong=(
            {"adam_history": list(_SGD), "history": _SGD},  # still SGD
            {"adam_history": [0.2], "history": _SGD},  # only the last loss
            {"adam_history": [0.9 - 0.004 * i for i in range(60)], "history": _SGD},  # lr too big
        ),
    ),
)
