"""Checks for the exercises of Module 7, Datasets and DataLoaders."""

from __future__ import annotations

import torch

from dlcourse.exercises import Exercise


def _training_loop(val_acc: float) -> str | None:
    if isinstance(val_acc, torch.Tensor) and val_acc.numel() == 1:
        val_acc = val_acc.item()
    if isinstance(val_acc, bool) or not isinstance(val_acc, (int, float)):
        return "`val_acc` should be a float: the fraction of validation images classified right"
    if not 0 <= val_acc <= 1:
        return "an accuracy is a fraction between 0 and 1: divide by the size of the validation set"
    if val_acc < 0.5:
        return (
            "after 5 epochs the MLP should classify well over half of the validation digits "
            "right: check that the images are flattened, that each batch's labels match its "
            "images, and the learning rate"
        )
    return None


def _padding(lengths: list, per_batch: int, global_pad: int) -> str | None:
    lengths = [int(n) for n in lengths]
    batches = [lengths[i : i + 4] for i in range(0, len(lengths), 4)]
    if per_batch != sum(max(b) * len(b) - sum(b) for b in batches):
        if per_batch == sum(max(b) * len(b) for b in batches):
            return "`per_batch` counts every entry of the padded batches, not only the zeros added"
        return (
            "`per_batch` should count the zeros `pad_collate` adds, over all batches of 4 in order"
        )
    if global_pad != max(lengths) * len(lengths) - sum(lengths):
        return "`global_pad` should count the zeros needed to pad every sequence to the longest one"
    return None


_LENGTHS = [2, 7, 3, 3, 6, 2, 5, 4, 7, 2]  # batches [2, 7, 3, 3], [6, 2, 5, 4], [7, 2]

EXERCISES = (
    Exercise(
        1,
        "A training loop on a DataLoader",
        names=("val_acc",),
        test=_training_loop,
        wrong=(
            {"val_acc": 341},  # the number right, not a fraction
            {"val_acc": 0.09},  # labels shuffled apart from images: chance
            {"val_acc": "0.95"},  # a string
        ),
    ),
    Exercise(
        2,
        "The cost of padding",
        names=("lengths", "per_batch", "global_pad"),
        test=_padding,
        wrong=(
            {"lengths": _LENGTHS, "per_batch": 28 + 24 + 14, "global_pad": 29},  # all entries
            {"lengths": _LENGTHS, "per_batch": 29, "global_pad": 29},  # the global count twice
            {"lengths": _LENGTHS, "per_batch": 25, "global_pad": 70},  # every entry, global
        ),
    ),
)
