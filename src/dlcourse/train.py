"""Training: one engine for the whole course — an epoch, a run, evaluation and prediction,
early stopping, checkpoints and the random generators' state.

:func:`train_one_epoch` is the five-line step of Module 1 in a loop over a loader; :func:`fit`
runs it epoch after epoch on tensors and records a :data:`History`. Variations are arguments,
not other loops: mini-batches and their shuffling, validation after every epoch, penalties
(L1, activations), input noise, a scheduler, early stopping.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from dlcourse.diagnostics import ActivationRecorder
from dlcourse.metrics import accuracy, f1_score

__all__ = [
    "BAR_FORMAT",
    "EarlyStopping",
    "History",
    "evaluate",
    "fit",
    "l1_penalty",
    "load_checkpoint",
    "predict",
    "restore_rng_states",
    "rng_states",
    "save_checkpoint",
    "train_one_epoch",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Penalty = Callable[[nn.Module], torch.Tensor]

#: What :func:`fit` returns: one value per epoch under each key. ``"loss"`` is the mean loss of
#: the epoch's batches, taken while the weights were changing (in training mode). Given
#: validation data, ``"train_loss"``, ``"train_accuracy"``, ``"train_f1"`` and ``"val_loss"``,
#: ``"val_accuracy"``, ``"val_f1"`` are measured after each epoch by :func:`evaluate` (in eval
#: mode); with early stopping, ``"best_epoch"`` holds the 1-based epoch whose weights were kept.
History = dict[str, list[float]]

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
    *,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    zero_grad: bool = True,
) -> float:
    """Train ``model`` for one pass over ``loader``; return the mean loss per example.

    Each batch gets the five moves: zero the gradients, forward, loss, backward, step.
    ``scheduler``, if given, is stepped after every batch (as OneCycle needs); step per-epoch
    schedulers yourself after this returns. ``penalty(model)``, if given, is added to each
    batch's loss. ``zero_grad=False`` leaves the gradients of earlier steps in place, the bug
    that *Debugging and Visualizing Training* plants. ``progress`` shows a tqdm bar. Introduced
    in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

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
        if zero_grad:
            optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        if penalty is not None:
            loss = loss + penalty(model)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(y)
        count += len(y)
        bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    bar.close()
    return total / count


def _batches(
    X: torch.Tensor,
    y: torch.Tensor,
    batch_size: int | None,
    generator: torch.Generator,
    input_noise: float = 0.0,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of mini-batches of ``(X, y)``, shuffled by ``generator`` unless full-batch;
    with ``input_noise``, Gaussian noise of that standard deviation is added to each ``X``."""
    n = len(X)
    size = batch_size or n
    order = torch.randperm(n, generator=generator) if size < n else torch.arange(n)
    for start in range(0, n, size):
        idx = order[start : start + size]
        X_batch = X[idx]
        if input_noise > 0:
            X_batch = X_batch + input_noise * torch.randn(X_batch.shape, generator=generator)
        yield X_batch, y[idx]


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Sum of absolute values of all weights (biases are left out).

    :func:`fit` adds ``l1 * l1_penalty(model)`` to the loss when given ``l1``. Introduced in
    *Regularization Techniques*:
    https://dlcourse.github.io/dlcourse/modules/regularization-techniques.html

    >>> layer = nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[1.0, -2.0]]))
    >>> l1_penalty(layer).item()
    3.0
    """
    named = model.named_parameters()
    weights = [p for name, p in named if name.endswith("weight")]
    return sum((w.abs().sum() for w in weights), torch.tensor(0.0))


def _penalty(
    model: nn.Module, l1: float, activation: float
) -> tuple[Penalty | None, ActivationRecorder | None]:
    """The penalty :func:`fit` adds to each batch's loss, and the recorder it reads, if any."""
    recorder = None
    if activation > 0:
        recorder = ActivationRecorder(m for m in model.modules() if isinstance(m, nn.ReLU))
    if l1 <= 0 and recorder is None:
        return None, None

    def penalty(model: nn.Module) -> torch.Tensor:
        terms = []
        if l1 > 0:
            terms.append(l1 * l1_penalty(model))
        if recorder is not None:  # the activations of this batch's forward pass
            terms.append(activation * recorder.penalty())
            recorder.clear()
        return sum(terms[1:], terms[0])

    return penalty, recorder


def fit(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    num_epochs: int,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    l1: float = 0.0,
    activation_penalty: float = 0.0,
    input_noise: float = 0.0,
    patience: int | None = None,
    zero_grad: bool = True,
) -> History:
    """Train ``model`` on ``(X, y)`` for ``num_epochs`` epochs; return its :data:`History`.

    Every epoch is one :func:`train_one_epoch`. With ``batch_size=None`` each step sees the
    whole data set (full-batch descent); otherwise the examples are shuffled every epoch by a
    private generator seeded with ``seed``. The variations, all off by default:

    - ``val=(X_val, y_val)``: after every epoch, :func:`evaluate` the training and validation
      sets (``train_loss``, ``val_loss``, and for class labels ``*_accuracy`` and ``*_f1``);
    - ``scheduler``: stepped after every batch;
    - ``l1``: adds ``l1 * l1_penalty(model)`` to the loss;
    - ``activation_penalty``: adds that times the mean squared output of every ``nn.ReLU``,
      collected by an :class:`~dlcourse.diagnostics.ActivationRecorder`;
    - ``input_noise``: adds Gaussian noise of that standard deviation to each training batch;
    - ``patience``: early stopping on the validation loss; the weights of the best epoch are
      restored and its number is ``history["best_epoch"]``;
    - ``zero_grad=False``: the gradients are never cleared (a bug, on purpose).

    Introduced in *Introduction to Deep Learning*; each variation joins in the module that
    teaches it: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> torch.manual_seed(0) and None
    >>> X = torch.linspace(-1, 1, 32).unsqueeze(1); y = 3 * X + 2
    >>> model = nn.Linear(1, 1)
    >>> history = fit(model, X, y, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 50)
    >>> history["loss"][-1] < history["loss"][0] / 100
    True
    >>> X = torch.randn(64, 4); y = (X[:, 0] > 0).long()
    >>> model = nn.Linear(4, 2)
    >>> h = fit(model, X, y, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.05),
    ...         50, val=(X, y), patience=5)
    >>> h["val_accuracy"][-1] > 0.9, sorted(h)[:3]
    (True, ['best_epoch', 'loss', 'train_accuracy'])
    """
    if patience is not None and val is None:
        raise ValueError("early stopping watches the validation loss: pass val=(X_val, y_val)")
    g = torch.Generator().manual_seed(seed)
    penalty, recorder = _penalty(model, l1, activation_penalty)
    stopper = EarlyStopping(patience) if patience is not None else None
    history: History = {"loss": []}
    for _ in range(num_epochs):
        batches = _batches(X, y, batch_size, g, input_noise)
        loss = train_one_epoch(
            model, batches, loss_fn, optimizer, scheduler, penalty=penalty, zero_grad=zero_grad
        )
        history["loss"].append(loss)
        if val is None:
            continue
        for split, data in (("train", (X, y)), ("val", val)):
            for name, value in evaluate(model, [data], loss_fn).items():
                history.setdefault(f"{split}_{name}", []).append(value)
        if recorder is not None:
            recorder.clear()  # what evaluation recorded is no penalty
        if stopper is not None and stopper.step(history["val_loss"][-1], model):
            break
    if recorder is not None:
        recorder.remove()
    if stopper is not None and stopper.best_state is not None:
        model.load_state_dict(stopper.best_state)
        history["best_epoch"] = [float(stopper.best_epoch + 1)]
    return history


@torch.no_grad()
def predict(
    model: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs (logits) for every example of ``loader`` and the matching targets, in eval mode.

    Introduced in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

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
    """Mean loss on ``loader``; for class labels also accuracy and macro F1.

    Measured in eval mode without gradients (:func:`predict`). Introduced in *Training Loop
    Engineering*: https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> loader = [(torch.eye(2), torch.tensor([0, 1]))]
    >>> model = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.eye(2)); _ = model.bias.zero_()
    >>> evaluate(model, loader, nn.CrossEntropyLoss())["accuracy"]
    1.0
    """
    logits, targets = predict(model, loader)
    metrics = {"loss": loss_fn(logits, targets).item()}
    if not targets.is_floating_point():  # class labels
        metrics["accuracy"] = accuracy(logits, targets)
        metrics["f1"] = f1_score(logits, targets, num_classes=logits.shape[1])
    return metrics


class EarlyStopping:
    """Stop when a validation metric has not improved for ``patience`` epochs.

    Keeps a copy of the best model's ``state_dict`` in ``best_state``. Introduced in
    *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

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


# --- checkpoints and random state ----------------------------------------------------------


def rng_states(generator: torch.Generator | None = None) -> dict[str, Any]:
    """The states of Python's, NumPy's and torch's generators (and ``generator``'s).

    Every value is a tensor or plain Python data, so ``torch.load`` with its default
    ``weights_only=True`` accepts it. Introduced in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

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
    """Put back generator states saved by :func:`rng_states`.

    Introduced in *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> g = torch.Generator().manual_seed(0)
    >>> states = rng_states(g); a = torch.rand(1, generator=g)
    >>> restore_rng_states(states, g); torch.equal(torch.rand(1, generator=g), a)
    True
    """
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

    ``generator`` is the one that shuffles the DataLoader, if any. Introduced in *Training Loop
    Engineering*: https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> import tempfile, os
    >>> model = nn.Linear(2, 1); opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_checkpoint(os.path.join(tmp, "run.pt"), model, opt, epoch=3)
    ...     load_checkpoint(os.path.join(tmp, "run.pt"), model, opt)["epoch"]
    3
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
    Loads with ``weights_only=True``: no arbitrary code can run from the file. Introduced in
    *Training Loop Engineering*:
    https://dlcourse.github.io/dlcourse/modules/training-loop-engineering.html

    >>> import tempfile, os
    >>> model = nn.Linear(2, 1); opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_checkpoint(os.path.join(tmp, "run.pt"), model, opt, note="hi")
    ...     load_checkpoint(os.path.join(tmp, "run.pt"), model, opt)["extra"]
    {'note': 'hi'}
    """
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    restore_rng_states(checkpoint["rng"], generator)
    return checkpoint
