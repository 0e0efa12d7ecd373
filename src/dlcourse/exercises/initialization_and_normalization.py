"""Checks for the exercises of Module 12, Initialization, Normalization and Residual Connections."""

from __future__ import annotations

import math

from dlcourse.exercises import Exercise

INITS = ("Xavier (Glorot)", "Kaiming (He)")


def _tanh(tanh_last: dict) -> str | None:
    if set(tanh_last) != set(INITS):
        return (
            "`tanh_last` should have two entries, keyed like `inits`: 'Xavier (Glorot)' and "
            "'Kaiming (He)'"
        )
    if not all(isinstance(v, (int, float)) for v in tanh_last.values()):
        return "each value should be one float: the std after the last layer"
    xavier, kaiming = (tanh_last[k] for k in INITS)
    if not all(math.isfinite(v) and 0 < v < 1 for v in (xavier, kaiming)):
        return (
            "tanh's outputs lie in (-1, 1), so their std after the last layer should be "
            "between 0 and 1"
        )
    if not kaiming > 2 * xavier:
        return "with tanh, Kaiming's larger variance should keep more of the scale than Xavier's"
    return None


def _layer_norm(layer_history: dict) -> str | None:
    if not isinstance(layer_history, dict) or not {"train_loss", "val_accuracy"} <= set(
        layer_history
    ):
        return "`layer_history` should be the history `train_classifier` returns"
    loss, acc = layer_history["train_loss"], layer_history["val_accuracy"]
    if len(loss) != 15 or len(acc) != 15:
        return "train for 15 epochs, as above"
    if not loss[-1] < loss[0]:
        return "the training loss should fall"
    if not acc[-1] > 0.8:
        return (
            "LayerNorm with residual connections should train the 20-block network well: "
            "pass norm='layer' and residual=True"
        )
    return None


def _count(counts: dict) -> str | None:
    if set(counts) != {"BatchNorm1d", "LayerNorm"}:
        return "`counts` should have two entries, keyed 'BatchNorm1d' and 'LayerNorm'"
    if not all(isinstance(v, tuple) and len(v) == 2 for v in counts.values()):
        return "each value should be a pair (number of parameters, number of buffers)"
    (bn_params, bn_buffers), (ln_params, ln_buffers) = counts["BatchNorm1d"], counts["LayerNorm"]
    if (bn_params, ln_params) != (128, 128):
        return "count every learnable element: both layers learn a scale and a shift per feature"
    if (bn_buffers, ln_buffers) != (3, 0):
        return "count the buffer tensors (`named_buffers()`), not their elements"
    return None


EXERCISES = (
    Exercise(
        1,
        "Tanh and the two initializations",
        names=("tanh_last",),
        test=_tanh,
        wrong=(
            {"tanh_last": {"Xavier (Glorot)": 0.6, "Kaiming (He)": 0.1}},  # swapped
            {"tanh_last": {"Xavier (Glorot)": 0.5, "Kaiming (He)": 0.6}},  # no init applied
            {"tanh_last": {"Xavier (Glorot)": [0.6, 0.1], "Kaiming (He)": [0.8, 0.6]}},  # lists
        ),
    ),
    Exercise(
        2,
        "LayerNorm with residual connections",
        names=("layer_history",),
        test=_layer_norm,
        wrong=(
            # a plain deep network without norm or residual: it does not learn
            {"layer_history": {"train_loss": [2.30] * 15, "val_accuracy": [0.1] * 15}},
            # a single epoch
            {"layer_history": {"train_loss": [0.5], "val_accuracy": [0.9]}},
            {"layer_history": 0.96},  # only the final accuracy
        ),
    ),
    Exercise(
        3,
        "Parameters and buffers",
        names=("counts",),
        test=_count,
        wrong=(
            {"counts": {"BatchNorm1d": (128, 129), "LayerNorm": (128, 0)}},  # buffer elements
            {"counts": {"BatchNorm1d": (64, 3), "LayerNorm": (64, 0)}},  # the scale only
            {"counts": {"BatchNorm1d": (128, 3), "LayerNorm": (128, 2)}},  # LayerNorm keeps stats
        ),
    ),
)
