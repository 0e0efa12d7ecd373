"""Regularization and initialization experiments: penalties, activation hooks, a runner.

Introduced in *Regularization Techniques* (Module 11) and reused in *Initialization,
Normalization and Residual Connections* (Module 12). Everything trains full-batch or in small
mini-batches on the CPU, fast enough to run when the book is built.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

__all__ = [
    "ActivationRecorder",
    "DeepMLP",
    "History",
    "activation_stats",
    "l1_penalty",
    "make_mlp",
    "train_classifier",
]

History = dict[str, list[float]]


def make_mlp(
    in_features: int = 64,
    hidden: int = 256,
    out_features: int = 10,
    dropout: float = 0.0,
    depth: int = 2,
) -> nn.Sequential:
    """An MLP with ``depth`` hidden layers of ``hidden`` ReLU units, with optional dropout.

    Dropout (when ``dropout > 0``) follows every hidden activation.

    >>> model = make_mlp(dropout=0.5)
    >>> model(torch.zeros(3, 64)).shape
    torch.Size([3, 10])
    >>> sum(isinstance(m, nn.Dropout) for m in model)
    2
    """
    layers: list[nn.Module] = []
    size = in_features
    for _ in range(depth):
        layers += [nn.Linear(size, hidden), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        size = hidden
    layers.append(nn.Linear(size, out_features))
    return nn.Sequential(*layers)


def l1_penalty(model: nn.Module) -> torch.Tensor:
    """Sum of absolute values of all weights (biases are left out).

    >>> layer = nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[1.0, -2.0]]))
    >>> l1_penalty(layer).item()
    3.0
    """
    named = model.named_parameters()
    weights = [p for name, p in named if name.endswith("weight")]
    return sum((w.abs().sum() for w in weights), torch.tensor(0.0))


class ActivationRecorder:
    """Collect the outputs of some modules with forward hooks.

    Each forward pass appends each watched module's output to
    :attr:`outputs`; call :meth:`clear` before each step.
    :meth:`penalty` is the mean squared activation, summed over the
    recorded outputs: added to the loss, it is *activation
    regularization*. As a context manager it removes its hooks on exit.

    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    >>> with ActivationRecorder([model[1]]) as recorder:
    ...     _ = model(torch.ones(5, 3))
    ...     shapes = [tuple(o.shape) for o in recorder.outputs]
    >>> shapes
    [(5, 4)]
    >>> len(model[1]._forward_hooks)  # the hook is gone
    0
    """

    def __init__(self, modules: Iterable[nn.Module]) -> None:
        self.outputs: list[torch.Tensor] = []
        hook = self._hook
        self.handles = [m.register_forward_hook(hook) for m in modules]

    def _hook(self, module: nn.Module, args: tuple, out: Tensor) -> None:
        self.outputs.append(out)  # runs after module.forward

    def clear(self) -> None:
        """Forget the outputs recorded so far."""
        self.outputs.clear()

    def penalty(self) -> torch.Tensor:
        """Mean squared activation, summed over the recorded outputs."""
        squares = (o.pow(2).mean() for o in self.outputs)
        return sum(squares, torch.tensor(0.0))

    def remove(self) -> None:
        """Remove the hooks; the modules run as before."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def __enter__(self) -> ActivationRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return (logits.argmax(dim=1) == y).float().mean().item()


def train_classifier(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    *,
    num_epochs: int = 200,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    l1: float = 0.0,
    activation_penalty: float = 0.0,
    input_noise: float = 0.0,
    patience: int | None = None,
    batch_size: int | None = None,
    optimizer_cls: Callable[..., torch.optim.Optimizer] = torch.optim.AdamW,
    seed: int = 0,
) -> History:
    """Train a classifier with optional regularizers; return its curves, epoch by epoch.

    The optimizer is ``optimizer_cls(params, lr=lr, weight_decay=weight_decay)`` (AdamW:
    decoupled weight decay). The regularizers, all off by default:

    - ``l1``: adds ``l1 * l1_penalty(model)`` to the loss;
    - ``activation_penalty``: adds that times the mean squared output of every ``nn.ReLU``,
      collected by an :class:`ActivationRecorder`;
    - ``input_noise``: adds Gaussian noise of that standard deviation to each training batch;
    - ``patience``: early stopping: stop when the validation loss has not improved for that
      many epochs, and restore the weights of the best epoch.

    The history has ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` (one value per
    epoch, measured in eval mode after the epoch), and ``best_epoch`` (1-based, a one-item
    list) when ``patience`` is set.

    >>> torch.manual_seed(0) and None
    >>> X = torch.randn(64, 4); y = (X[:, 0] > 0).long()
    >>> h = train_classifier(nn.Linear(4, 2), X, y, X, y, num_epochs=50, lr=0.05)
    >>> h["train_loss"][-1] < h["train_loss"][0], h["val_acc"][-1] > 0.9
    (True, True)
    """
    g = torch.Generator().manual_seed(seed)
    optimizer = optimizer_cls(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    recorder = ActivationRecorder(relus if activation_penalty > 0 else [])
    n = len(X_train)
    batch_size = batch_size or n
    history: History = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best_loss, best_epoch, best_state = float("inf"), 0, None
    for epoch in range(1, num_epochs + 1):
        model.train()
        order = torch.randperm(n, generator=g) if batch_size < n else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            X = X_train[idx]
            if input_noise > 0:
                X = X + input_noise * torch.randn(X.shape, generator=g)
            optimizer.zero_grad()
            recorder.clear()
            loss = loss_fn(model(X), y_train[idx])
            if l1 > 0:
                loss = loss + l1 * l1_penalty(model)
            if activation_penalty > 0:
                loss = loss + activation_penalty * recorder.penalty()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            recorder.clear()
            train_logits, val_logits = model(X_train), model(X_val)
        history["train_loss"].append(loss_fn(train_logits, y_train).item())
        history["train_acc"].append(_accuracy(train_logits, y_train))
        history["val_loss"].append(loss_fn(val_logits, y_val).item())
        history["val_acc"].append(_accuracy(val_logits, y_val))
        if patience is not None:
            if history["val_loss"][-1] < best_loss:
                best_loss, best_epoch = history["val_loss"][-1], epoch
                best_state = copy.deepcopy(model.state_dict())
            elif epoch - best_epoch >= patience:
                break
    recorder.remove()
    if patience is not None and best_state is not None:
        model.load_state_dict(best_state)
        history["best_epoch"] = [float(best_epoch)]
    return history


def activation_stats(model: nn.Module, x: torch.Tensor, kind: type[nn.Module]) -> list[float]:
    """Standard deviation of the output of every ``kind`` submodule, in forward order.

    >>> torch.manual_seed(0) and None
    >>> model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
    >>> stds = activation_stats(model, torch.randn(100, 8), nn.ReLU)
    >>> len(stds), all(s > 0 for s in stds)
    (2, True)
    """
    watched = [m for m in model.modules() if isinstance(m, kind)]
    with ActivationRecorder(watched) as recorder, torch.no_grad():
        model(x)
        return [o.std().item() for o in recorder.outputs]


class DeepMLP(nn.Module):
    """A deep MLP of ``depth`` blocks ``Linear → [norm] → ReLU``, optionally residual.

    ``norm`` is ``None``, ``"batch"`` (``nn.BatchNorm1d``) or ``"layer"`` (``nn.LayerNorm``).
    With ``residual=True`` each block computes ``x + block(x)``. The input and output layers
    map ``in_features → width`` and ``width → out_features``.

    >>> model = DeepMLP(64, 32, 10, depth=5, norm="batch", residual=True)
    >>> model(torch.zeros(4, 64)).shape
    torch.Size([4, 10])
    >>> len(model.blocks)
    5
    """

    def __init__(
        self,
        in_features: int,
        width: int,
        out_features: int,
        depth: int,
        norm: str | None = None,
        residual: bool = False,
    ) -> None:
        super().__init__()
        norms: dict[str | None, Callable[[], nn.Module]] = {
            None: nn.Identity,
            "batch": lambda: nn.BatchNorm1d(width),
            "layer": lambda: nn.LayerNorm(width),
        }
        if norm not in norms:
            raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
        self.inp = nn.Linear(in_features, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(width, width), norms[norm](), nn.ReLU()) for _ in range(depth)
        )
        self.residual = residual
        self.out = nn.Linear(width, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inp(x)
        for block in self.blocks:
            x = x + block(x) if self.residual else block(x)
        return self.out(x)
