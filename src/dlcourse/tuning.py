"""Hyperparameter search: grid, random (log scale) and successive halving.

A :class:`Run` trains one configuration of a small MLP classifier with :func:`dlcourse.train.fit`
and can be resumed, which is what successive halving needs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from dlcourse.models import MLP
from dlcourse.train import evaluate, fit

__all__ = [
    "Result",
    "Run",
    "grid_search",
    "random_search",
    "sample_log_uniform",
    "successive_halving",
]

Config = dict[str, float]


@dataclass
class Result:
    """One trial: its configuration, validation scores and epochs spent.

    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> r = Result({"lr": 0.1}, val_accuracy=0.9, val_loss=0.3, epochs=10)
    >>> sorted([r, Result({"lr": 1.0}, 0.9, 0.2, 10)], key=Result.key)[0].config
    {'lr': 1.0}
    """

    config: Config
    val_accuracy: float
    val_loss: float
    epochs: int

    def key(self) -> tuple[float, float]:
        """Sort key: higher accuracy first, then lower loss."""
        return (-self.val_accuracy, self.val_loss)


@dataclass
class Run:
    """Train an MLP ``in → hidden → classes`` with SGD + momentum, resumably.

    ``config`` holds ``lr`` and ``weight_decay`` (and optionally
    ``hidden``). ``data`` is ``(X_train, y_train, X_val, y_val)``.
    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> X = torch.randn(64, 3); y = (X[:, 0] > 0).long()
    >>> run = Run({"lr": 0.1, "weight_decay": 0.0}, (X, y, X, y))
    >>> run.train(30).val_accuracy > 0.9, run.epochs
    (True, 30)
    """

    config: Config
    data: tuple[Tensor, Tensor, Tensor, Tensor]
    seed: int = 0
    epochs: int = 0
    model: nn.Module = field(init=False)

    def __post_init__(self) -> None:
        X_train, y_train = self.data[0], self.data[1]
        hidden = int(self.config.get("hidden", 32))
        classes = int(y_train.max()) + 1
        torch.manual_seed(self.seed)
        self.model = MLP(X_train.shape[1], [hidden], classes)
        self.optimizer = torch.optim.SGD(
            self.model.parameters(),
            lr=self.config["lr"],
            momentum=0.9,
            weight_decay=self.config["weight_decay"],
        )

    def train(self, num_epochs: int) -> Result:
        """Train ``num_epochs`` more full-batch epochs; score on validation."""
        X_train, y_train, X_val, y_val = self.data
        loss_fn = nn.CrossEntropyLoss()
        fit(self.model, X_train, y_train, loss_fn, self.optimizer, num_epochs)
        self.epochs += num_epochs
        scores = evaluate(self.model, [(X_val, y_val)], loss_fn)
        loss = scores["loss"] if math.isfinite(scores["loss"]) else math.inf  # diverged: last
        return Result(dict(self.config), scores["accuracy"], loss, self.epochs)


Objective = Callable[[Config], Result]


def grid_search(grid: Mapping[str, Sequence[float]], objective: Objective) -> list[Result]:
    """Evaluate every combination of the values in ``grid``.

    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> grid = {"a": [1.0, 2.0], "b": [0.0, 1.0, 2.0]}
    >>> score = lambda c: Result(c, c["a"] * c["b"], 0.0, 1)
    >>> results = grid_search(grid, score)
    >>> len(results), max(results, key=lambda r: r.val_accuracy).config
    (6, {'a': 2.0, 'b': 2.0})
    """
    names = list(grid)
    combos = itertools.product(*(grid[n] for n in names))
    return [objective(dict(zip(names, values, strict=True))) for values in combos]


def sample_log_uniform(low: float, high: float, n: int, generator: torch.Generator) -> list[float]:
    """``n`` values whose logarithm is uniform between ``log(low)`` and ``log(high)``.

    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> g = torch.Generator().manual_seed(0)
    >>> values = sample_log_uniform(1e-4, 1.0, 1000, g)
    >>> min(values) >= 1e-4, max(values) <= 1.0
    (True, True)
    >>> sum(v < 1e-2 for v in values) / 1000  # half the decades, half the draws
    0.5
    """
    u = torch.rand(n, generator=generator, dtype=torch.float64)
    logs = math.log(low) + u * (math.log(high) - math.log(low))
    return logs.exp().tolist()


def random_search(
    space: Mapping[str, tuple[float, float]],
    n_trials: int,
    objective: Objective,
    seed: int = 0,
) -> list[Result]:
    """Evaluate ``n_trials`` configurations drawn log-uniformly from ``space``.

    ``space`` maps each hyperparameter to its ``(low, high)`` range.
    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> score = lambda c: Result(c, -abs(math.log10(c["lr"]) + 2), 0.0, 1)
    >>> results = random_search({"lr": (1e-4, 1.0)}, 20, score)
    >>> best = max(results, key=lambda r: r.val_accuracy)
    >>> 1e-3 < best.config["lr"] < 1e-1
    True
    """
    g = torch.Generator().manual_seed(seed)
    columns = {n: sample_log_uniform(lo, hi, n_trials, g) for n, (lo, hi) in space.items()}
    configs = [{n: columns[n][i] for n in space} for i in range(n_trials)]
    return [objective(config) for config in configs]


def successive_halving(
    configs: Sequence[Config],
    make_run: Callable[[Config], Run],
    min_epochs: int,
    eta: int = 3,
) -> list[list[Result]]:
    """Successive halving: train all, keep the best 1/eta, train longer, repeat.

    Every configuration gets ``min_epochs``; the best ``1/eta`` survive and
    are trained until they have ``eta`` times as many epochs in total; and
    so on until one is left. Returns the results of every rung.
    Introduced in *Hyperparameter Tuning*:
    https://dlcourse.github.io/dlcourse/modules/hyperparameter-tuning.html

    >>> X = torch.randn(64, 3); y = (X[:, 0] > 0).long()
    >>> configs = [{"lr": lr, "weight_decay": 0.0} for lr in (1e-4, 1e-2, 1e-1)]
    >>> rungs = successive_halving(configs, lambda c: Run(c, (X, y, X, y)), 10)
    >>> [len(r) for r in rungs], rungs[-1][0].epochs
    ([3, 1], 30)
    """
    runs = [make_run(config) for config in configs]
    rungs: list[list[Result]] = []
    budget = min_epochs
    while True:
        results = [run.train(budget - run.epochs) for run in runs]
        rungs.append(results)
        if len(runs) == 1:
            return rungs
        order = sorted(range(len(runs)), key=lambda i: results[i].key())
        keep = max(1, len(runs) // eta)
        runs = [runs[i] for i in order[:keep]]
        budget *= eta
