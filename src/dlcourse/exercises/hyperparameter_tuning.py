"""Checks for the exercises of Module 14, Hyperparameter Tuning."""

from __future__ import annotations

from types import SimpleNamespace

from dlcourse.exercises import Exercise


def _search_width(results: list) -> str | None:
    results = list(results)
    if len(results) != 10 or not all(hasattr(r, "config") for r in results):
        return "`results` should be what `random_search` returns for 10 trials"
    if not all({"lr", "weight_decay", "hidden"} <= set(r.config) for r in results):
        return "every trial's config should hold `hidden` beside `lr` and `weight_decay`"
    widths = [r.config["hidden"] for r in results]
    if not all(4 <= w <= 256 for w in widths):
        return "the sampled widths should lie between 4 and 256"
    if max(widths) < 2 * min(widths):
        return "the widths should vary across trials: sample them log-uniformly from (4, 256)"
    if not all(0 <= r.val_accuracy <= 1 for r in results):
        return "each trial should report a validation accuracy between 0 and 1"
    return None


def _halving(n_rungs: int, total: int) -> str | None:
    if not (isinstance(n_rungs, int) and isinstance(total, int)):
        return "`n_rungs` and `total` should be ints"
    if n_rungs != 5:
        return "halving 16 configurations with eta = 2 goes on until one is left: count every rung"
    if total == 16 * 8 + 8 * 16 + 4 * 32 + 2 * 64 + 128:
        return "a promoted run resumes where it stopped: count only the epochs it adds at each rung"
    if total != 16 * 8 + 8 * 8 + 4 * 16 + 2 * 32 + 64:
        return "`total` should add up the epochs each rung trains, over all its runs"
    return None


def _seed_noise(accs: list, y_val) -> str | None:
    accs = [float(a) for a in accs]
    if len(accs) != 3:
        return "`accs` should hold three validation accuracies, one per seed"
    if not all(0.5 < a <= 1 for a in accs):
        return "each accuracy should be a fraction, and the best configuration's well above chance"
    n = len(y_val)
    if not all(abs(a * n - round(a * n)) < 1e-4 for a in accs):
        return "an accuracy on the validation set is a number of right answers divided by its size"
    return None


def _trials(widths: list[float]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(config={"lr": 0.1, "weight_decay": 1e-4, "hidden": w}, val_accuracy=0.9)
        for w in widths
    ]


EXERCISES = (
    Exercise(
        1,
        "Search the width too",
        names=("results",),
        test=_search_width,
        wrong=(
            {"results": _trials([64] * 10)},  # the width never varies
            {
                "results": [
                    SimpleNamespace(config={"lr": 0.1, "weight_decay": 0.0}, val_accuracy=0.9)
                ]
                * 10
            },
            {"results": _trials([0.1, 0.5, 1, 2, 3, 0.2, 0.7, 1.5, 2.5, 0.3])},  # exponents
        ),
    ),
    Exercise(
        2,
        "Successive halving with eta = 2",
        names=("n_rungs", "total"),
        test=_halving,
        wrong=(
            {"n_rungs": 5, "total": 640},  # each rung trains from scratch
            {"n_rungs": 4, "total": 320},  # stops at two configurations
            {"n_rungs": 5, "total": 128},  # only the final budget
        ),
    ),
    Exercise(
        3,
        "How noisy is one trial?",
        names=("accs", "y_val"),
        test=_seed_noise,
        wrong=(
            {"accs": [0.974], "y_val": [0] * 114},  # one seed
            {"accs": [97.4, 96.5, 97.4], "y_val": [0] * 114},  # percentages
            {"accs": [0.97, 0.96, 0.975], "y_val": [0] * 114},  # not counts over 114
        ),
    ),
)
