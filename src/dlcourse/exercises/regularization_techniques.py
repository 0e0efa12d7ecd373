"""Checks for the exercises of Module 11, Regularization Techniques."""

from __future__ import annotations

from dlcourse.exercises import Exercise

RATES = (0.0, 0.2, 0.5, 0.8)


def _history(name: str, h) -> str | None:
    if not isinstance(h, dict) or not {"train_accuracy", "val_accuracy"} <= set(h):
        return f"`{name}` should be the history `train_classifier` returns"
    return None


def _both(h_both: dict, results: dict) -> str | None:
    hint = _history("h_both", h_both)
    if hint:
        return hint
    for single in ("dropout", "input noise"):
        if h_both["val_accuracy"] == results[single]["val_accuracy"]:
            return f"`h_both` is the {single} run alone: train a new model with both regularizers"
    if not 0.5 < h_both["val_accuracy"][-1] <= 1:
        return "the validation accuracy should be a fraction well above chance"
    return None


def _sweep(accs: dict) -> str | None:
    if sorted(accs) != list(RATES):
        return "`accs` should have one entry per dropout probability: 0, 0.2, 0.5 and 0.8"
    values = [float(v) for v in accs.values()]
    if not all(0 <= v <= 1 for v in values):
        return "each value should be a validation accuracy, a fraction between 0 and 1"
    if len(set(values)) == 1:
        return "all four accuracies are equal: pass each p to `make_mlp(dropout=p)`"
    if min(accs, key=accs.get) != 0.8:
        return "dropping 80% of the units at every step should validate worst"
    if max(accs, key=accs.get) not in (0.2, 0.5):
        return "a moderate probability should validate best: are these validation accuracies?"
    return None


def _sparse(sparsity: dict) -> str | None:
    if set(sparsity) != {0.0, 0.1}:
        return "`sparsity` should have two entries, keyed by the penalty's strength: 0.0 and 0.1"
    off, on = float(sparsity[0.0]), float(sparsity[0.1])
    if not (0 <= off <= 1 and 0 <= on <= 1):
        return "each value should be a fraction between 0 and 1, not a percentage"
    if not (on > 0.5 and on > 2 * off):
        return (
            "with the |a| penalty most hidden activations should be exactly zero: add "
            "strength * the mean absolute activation to the loss"
        )
    return None


_DROPOUT = {"train_accuracy": [0.5, 1.0], "val_accuracy": [0.5, 0.85]}
_NOISE = {"train_accuracy": [0.5, 1.0], "val_accuracy": [0.5, 0.9]}
_RESULTS = {"dropout": _DROPOUT, "input noise": _NOISE}

EXERCISES = (
    Exercise(
        1,
        "Dropout and input noise together",
        names=("h_both", "results"),
        test=_both,
        wrong=(
            {"h_both": dict(_NOISE), "results": _RESULTS},  # input noise alone
            {
                "h_both": {"train_accuracy": [0.5, 0.9], "val_accuracy": [0.5, 87.0]},
                "results": _RESULTS,
            },
            {"h_both": 0.87, "results": _RESULTS},  # only the final accuracy
        ),
    ),
    Exercise(
        2,
        "A sweep of the dropout probability",
        names=("accs",),
        test=_sweep,
        wrong=(
            # training accuracies: every p but 0.8 fits the training set
            {"accs": {0.0: 1.0, 0.2: 1.0, 0.5: 1.0, 0.8: 0.97}},
            {"accs": {0.0: 0.85, 0.2: 0.85, 0.5: 0.85, 0.8: 0.85}},  # p never passed
            {"accs": {0: 85.0, 0.2: 88.0, 0.5: 87.0, 0.8: 80.0}},  # percentages
        ),
    ),
    Exercise(
        3,
        "A sparse hidden code",
        names=("sparsity",),
        test=_sparse,
        wrong=(
            {"sparsity": {0.0: 0.45, 0.1: 0.5}},  # squares instead of absolute values
            {"sparsity": {0.0: 45.0, 0.1: 90.0}},  # percentages
            {"sparsity": {0.0: 0.9, 0.1: 0.45}},  # swapped
        ),
    ),
)
