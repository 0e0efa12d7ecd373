"""A reusable training engine: epochs, evaluation, metrics, checkpoints, early stopping.

Module 10 (training-loop-engineering) builds it up and proves that a run resumed from a
checkpoint is bit-identical to one that never stopped.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: tqdm layout without rates or elapsed times, so a printed bar is the same on every run
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt}{postfix}"


def _progress(loader: Iterable, desc: str, enabled: bool) -> tqdm:
    """A tqdm bar that draws only when it starts and ends: deterministic output."""
    return tqdm(
        loader,
        desc=desc,
        bar_format=BAR_FORMAT,
        disable=not enabled,
        file=sys.stdout,
        mininterval=float("inf"),
        ascii=True,
    )


def train_one_epoch(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    progress: bool = False,
    desc: str = "train",
) -> float:
    """Train ``model`` for one pass over ``loader``; return the mean loss per example.

    ``scheduler``, if given, is stepped after every batch (as OneCycle needs); step
    per-epoch schedulers yourself after this returns. ``progress`` shows a tqdm bar.

    >>> torch.manual_seed(0) and None
    >>> X = torch.randn(64, 3); y = (X.sum(1) > 0).long()
    >>> loader = torch.utils.data.DataLoader(
    ...     torch.utils.data.TensorDataset(X, y), batch_size=16)
    >>> model = nn.Linear(3, 2)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.5)
    >>> first = train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    >>> later = [train_one_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    ...          for _ in range(5)][-1]
    >>> later < first
    True
    """
    model.train()
    total, count = 0.0, 0
    bar = _progress(loader, desc, progress)
    for X, y in bar:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        count += len(y)
        bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    bar.close()
    return total / count


@torch.no_grad()
def predict(
    model: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits for every example of ``loader`` and the matching targets, in eval mode.

    >>> loader = [(torch.zeros(2, 3), torch.tensor([0, 1]))]
    >>> logits, targets = predict(nn.Linear(3, 4), loader)
    >>> logits.shape, targets.tolist()
    (torch.Size([2, 4]), [0, 1])
    """
    model.eval()
    outputs, targets = [], []
    for X, y in loader:
        outputs.append(model(X))
        targets.append(y)
    return torch.cat(outputs), torch.cat(targets)


def evaluate(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: LossFn,
) -> dict[str, float]:
    """Mean loss, accuracy and macro F1 of a classifier on ``loader``.

    >>> loader = [(torch.eye(2), torch.tensor([0, 1]))]
    >>> model = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2)); _ = model.bias.zero_()
    >>> evaluate(model, loader, nn.CrossEntropyLoss())["accuracy"]
    1.0
    """
    logits, targets = predict(model, loader)
    preds = logits.argmax(dim=1)
    num_classes = logits.shape[1]
    return {
        "loss": loss_fn(logits, targets).item(),
        "accuracy": accuracy(preds, targets),
        "f1": f1_score(preds, targets, num_classes),
    }


def accuracy(preds: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of predicted labels equal to the targets.

    >>> accuracy(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]))
    0.75
    """
    return (preds == targets).float().mean().item()


def confusion_matrix(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts: row = true class, column = predicted class.

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2)
    tensor([[1, 1],
            [0, 1]])
    """
    index = targets * num_classes + preds
    counts = torch.bincount(index, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def f1_score(preds: torch.Tensor, targets: torch.Tensor, num_classes: int) -> float:
    """Macro F1: the F1 score of each class, averaged with equal weight per class.

    A class never predicted and never present is left out of the average.

    >>> round(f1_score(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2), 4)
    0.6667
    """
    cm = confusion_matrix(preds, targets, num_classes).double()
    tp = cm.diag()
    predicted, actual = cm.sum(dim=0), cm.sum(dim=1)
    present = (predicted + actual) > 0
    f1 = 2 * tp / (predicted + actual).clamp_min(1)
    return f1[present].mean().item()


def plot_confusion_matrix(
    cm: torch.Tensor, ax: matplotlib.axes.Axes | None = None
) -> matplotlib.axes.Axes:
    """Draw a confusion matrix as a heat map with the count in every cell.

    >>> ax = plot_confusion_matrix(torch.tensor([[5, 1], [0, 4]]))
    >>> ax.get_xlabel()
    'predicted class'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.2))
    n = cm.shape[0]
    ax.imshow(cm.numpy(), cmap="Blues")
    for i in range(n):
        for j in range(n):
            value = int(cm[i, j])
            if value:
                colour = "white" if value > cm.max() / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    return ax


def rng_states(generator: torch.Generator | None = None) -> dict[str, Any]:
    """The states of Python's, NumPy's and torch's generators (and ``generator``'s).

    Every value is a tensor or plain Python data, so ``torch.load`` with its default
    ``weights_only=True`` accepts it.

    >>> states = rng_states(); a = torch.rand(1)
    >>> restore_rng_states(states); torch.equal(torch.rand(1), a)
    True
    """
    kind, key, pos, has_gauss, gauss = np.random.get_state()
    states: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(key.astype(np.int64)), pos, has_gauss, gauss],
        "torch": torch.get_rng_state(),
    }
    if generator is not None:
        states["generator"] = generator.get_state()
    return states


def restore_rng_states(states: dict[str, Any], generator: torch.Generator | None = None) -> None:
    """Put back generator states saved by :func:`rng_states`."""
    random.setstate(states["python"])
    kind, key, pos, has_gauss, gauss = states["numpy"]
    np.random.set_state((kind, key.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(states["torch"])
    if generator is not None:
        generator.set_state(states["generator"])


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    epoch: int = 0,
    generator: torch.Generator | None = None,
    **extra: Any,
) -> None:
    """Save everything a run needs to continue exactly: weights, optimizer and scheduler
    state, the number of finished epochs, every random generator's state, and ``extra``.

    ``generator`` is the one that shuffles the DataLoader, if any.
    """
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": None if scheduler is None else scheduler.state_dict(),
            "epoch": epoch,
            "rng": rng_states(generator),
            "extra": extra,
        },
        path,
    )


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, Any]:
    """Restore a checkpoint written by :func:`save_checkpoint` into the given objects.

    Returns the checkpoint dictionary (``epoch`` is the number of finished epochs).
    Loads with ``weights_only=True``: no arbitrary code can run from the file.
    """
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    restore_rng_states(checkpoint["rng"], generator)
    return checkpoint


class EarlyStopping:
    """Stop when a validation metric has not improved for ``patience`` epochs.

    Keeps a copy of the best model's ``state_dict`` in :attr:`best_state`.

    >>> stopper = EarlyStopping(patience=2)
    >>> model = nn.Linear(1, 1)
    >>> [stopper.step(loss, model) for loss in [1.0, 0.8, 0.9, 0.85, 0.7]]
    [False, False, False, True, False]
    >>> stopper.best, stopper.best_epoch
    (0.8, 1)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.best = float("inf")
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_epochs = 0
        self.epoch = -1
        self.stopped = False

    def step(self, value: float, model: nn.Module) -> bool:
        """Record this epoch's metric (lower is better); return True when it is time to stop."""
        if self.stopped:
            return False
        self.epoch += 1
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = value, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        self.stopped = self.bad_epochs >= self.patience
        return self.stopped
