"""Helpers for Part I · Foundations: broadcasting and graph diagrams, hand-made training loops.

Used by the modules *Installing PyTorch and Tensor Fundamentals*, *Autograd and
Backpropagation* and *Building Models with nn.Module*.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import torch
from torch import nn

from dlcourse.plotting import PALETTE

__all__ = [
    "shares_storage",
    "draw_broadcast",
    "draw_graph",
    "make_line",
    "fit_line_by_hand",
    "accuracy",
    "train_classifier",
    "plot_confusion_matrix",
]


# --- tensors -------------------------------------------------------------------------------


def shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two tensors look at the same block of memory (the same storage).

    A view (``view``, slicing, ``t()``) shares its storage with the original tensor; a copy
    (``clone``, ``reshape`` of a non-contiguous tensor) does not. Introduced in *Installing
    PyTorch and Tensor Fundamentals*, section "Views vs copies".

    >>> x = torch.arange(6)
    >>> shares_storage(x, x.view(2, 3)), shares_storage(x, x.clone())
    (True, False)
    """
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def _draw_grid(
    ax: matplotlib.axes.Axes,
    values: torch.Tensor,
    real: torch.Tensor,
    left: float,
    colour: str,
    title: str,
) -> float:
    """Draw a 2-D grid of values at ``left``; cells where ``real`` is false are faded copies.

    Returns the x coordinate of the grid's right edge.
    """
    from matplotlib.patches import Rectangle

    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            is_real = bool(real[i, j])
            ax.add_patch(
                Rectangle(
                    (left + j, -i - 1),
                    1,
                    1,
                    facecolor=colour if is_real else "white",
                    edgecolor=colour if not is_real else "black",
                    linestyle="-" if is_real else "--",
                    alpha=0.85 if is_real else 1.0,
                    lw=1.0,
                )
            )
            value = values[i, j].item()
            text = f"{value:g}"
            ax.text(
                left + j + 0.5,
                -i - 0.5,
                text,
                ha="center",
                va="center",
                fontsize=10,
                color="white" if is_real else colour,
                fontweight="bold" if is_real else "normal",
            )
    ax.text(left + cols / 2, 0.35, title, ha="center", va="bottom", fontsize=10)
    return left + cols


def draw_broadcast(
    a: torch.Tensor, b: torch.Tensor, ax: matplotlib.axes.Axes | None = None
) -> matplotlib.axes.Axes:
    """Draw ``a + b`` for two tensors of at most 2 dimensions, showing how they broadcast.

    Each operand is drawn at the result's shape: its real entries as solid cells, the entries
    that broadcasting repeats (without copying memory) as dashed, faded cells. Introduced in
    *Installing PyTorch and Tensor Fundamentals*, section "Broadcasting".

    >>> import matplotlib.pyplot as plt
    >>> ax = draw_broadcast(torch.arange(3).reshape(3, 1), torch.arange(4))
    >>> len(ax.patches)  # three 3x4 grids
    36
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if a.dim() > 2 or b.dim() > 2:
        raise ValueError(
            f"draw_broadcast draws tensors of at most 2 dimensions, got shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )
    result = a + b  # raises the usual error if the shapes do not broadcast
    out = result.reshape((1,) * (2 - result.dim()) + tuple(result.shape))
    rows, cols = out.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.9 + 0.45 * rows))
    left = 0.0
    items = [(a, "a", PALETTE[0]), (b, "b", PALETTE[1])]
    for k, (t, name, colour) in enumerate(items):
        t2 = t.reshape((1,) * (2 - t.dim()) + tuple(t.shape))
        values = t2.expand(rows, cols)
        real = torch.zeros(rows, cols, dtype=torch.bool)
        real[: t2.shape[0], : t2.shape[1]] = True
        title = f"{name}: {tuple(t.shape)}"
        right = _draw_grid(ax, values, real, left, colour, title)
        sign = "+" if k == 0 else "="
        ax.text(right + 0.6, -rows / 2, sign, ha="center", va="center", fontsize=16)
        left = right + 1.2
    full = torch.ones(rows, cols, dtype=torch.bool)
    _draw_grid(ax, out, full, left, PALETTE[2], f"a + b: {tuple(result.shape)}")
    ax.set_xlim(-0.2, left + cols + 0.2)
    ax.set_ylim(-rows - 0.2, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --- autograd --------------------------------------------------------------------------------


def draw_graph(
    output: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw the autograd graph that produced ``output``, leaves on the left, output on the right.

    The graph is read from ``output.grad_fn`` and its ``next_functions``: orange boxes are the
    backward functions autograd recorded (one per operation), blue boxes the leaf tensors whose
    ``.grad`` ``backward()`` fills, named from ``names`` where given. Tensors that do not require
    gradients are not part of the graph. Introduced in *Autograd and Backpropagation*, section
    "The computation graph".

    >>> import matplotlib.pyplot as plt
    >>> w = torch.tensor(2.0, requires_grad=True)
    >>> ax = draw_graph(w * 3 + 1, names={"w": w})
    >>> sorted(t.get_text() for t in ax.texts if t.get_text())
    ['Add\\nBackward0', 'Mul\\nBackward0', 'output\\n()', 'w\\n()']
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if output.grad_fn is None:
        raise ValueError(
            "draw_graph needs a tensor produced by operations on tensors that require "
            "gradients (its grad_fn is None): create a leaf with requires_grad=True first"
        )
    labels_by_id = {id(t): n for n, t in (names or {}).items()}
    depth: dict[object, int] = {}
    order: list[object] = []
    edges: list[tuple[object, object]] = []
    stack = [(output.grad_fn, 0)]
    while stack:  # longest distance from the output decides the column
        node, d = stack.pop()
        if node not in depth:
            order.append(node)
        elif depth[node] >= d:
            continue
        depth[node] = max(d, depth.get(node, 0))
        for child, _ in node.next_functions:
            if child is not None:
                if (child, node) not in edges:
                    edges.append((child, node))
                stack.append((child, d + 1))

    def is_leaf(node: object) -> bool:
        return getattr(node, "variable", None) is not None

    deepest = max(d for n, d in depth.items() if not is_leaf(n))
    columns: dict[int, list[object]] = {}
    column_of: dict[object, int] = {}
    for node in order:  # leaves in column 0, the output's function in the last column
        column = 0 if is_leaf(node) else deepest - depth[node] + 1
        columns.setdefault(column, []).append(node)
        column_of[node] = column
    tallest = max(len(c) for c in columns.values())
    n_columns = deepest + 3  # leaves, operations, the output itself
    if ax is None:
        _, ax = plt.subplots(figsize=(min(9.0, 1.2 * n_columns), 0.8 + 0.9 * tallest))
    box = {"boxstyle": "round,pad=0.4", "edgecolor": "black"}
    ys: dict[object, float] = {}
    for x in sorted(columns):  # an operation sits at the mean height of its inputs
        nodes = columns[x]
        for k, node in enumerate(nodes):
            inputs = [c for c, p in edges if p is node]
            ys[node] = (
                sum(ys[c] for c in inputs) / len(inputs)
                if x > 0 and inputs
                else (len(nodes) - 1) / 2 - k
            )
        placed = sorted(nodes, key=lambda n: -ys[n])
        for upper, lower in zip(placed[:-1], placed[1:], strict=False):
            ys[lower] = min(ys[lower], ys[upper] - 0.9)  # keep boxes apart
    artists = {}
    for x, nodes in columns.items():
        for node in nodes:
            if is_leaf(node):
                variable = node.variable
                label = labels_by_id.get(id(variable), "leaf")
                text, colour = f"{label}\n{tuple(variable.shape)}", PALETTE[5]
            else:
                op = type(node).__name__
                text = op.replace("Backward", "\nBackward", 1)
                colour = PALETTE[4]
            artists[node] = ax.text(
                x,
                ys[node],
                text,
                ha="center",
                va="center",
                fontsize=9,
                bbox=box | {"facecolor": colour},
            )
    name = labels_by_id.get(id(output), "output")
    end = ax.text(
        n_columns - 1,
        ys[output.grad_fn],
        f"{name}\n{tuple(output.shape)}",
        ha="center",
        va="center",
        fontsize=9,
        bbox=box | {"facecolor": PALETTE[2]},
    )
    arrow = {"arrowstyle": "->", "color": "#444444", "lw": 1.2}
    for child, parent in [*edges, (output.grad_fn, None)]:
        target = artists[parent] if parent is not None else end
        skips = parent is not None and column_of[parent] - column_of[child] > 1
        flat = skips and abs(ys[parent] - ys[child]) < 0.5
        ax.annotate(
            "",
            xy=(0.5, 0) if flat else (0, 0.5),
            xycoords=target,
            xytext=(0.5, 0) if flat else (1, 0.5),
            textcoords=artists[child],
            arrowprops=arrow | {"connectionstyle": "arc3,rad=0.4"} if flat else arrow,
        )
    ax.set_xlim(-0.6, n_columns - 0.4)
    low, high = min(ys.values()), max(ys.values())
    ax.set_ylim(min(low, 0) - 0.6, max(high, 0) + 0.6)
    ax.axis("off")
    return ax


def make_line(n: int = 100, noise: float = 0.5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy points on the line ``y = 3x + 2``: ``x`` uniform in [-1, 1], Gaussian noise.

    Returns ``X`` and ``y`` of shape ``(n, 1)``. The generator is private, so calling it does not
    disturb the global random state.

    >>> X, y = make_line(n=5)
    >>> X.shape, y.shape
    (torch.Size([5, 1]), torch.Size([5, 1]))
    >>> torch.equal(make_line(n=5, noise=0.0)[1], 3 * X + 2)
    True
    """
    g = torch.Generator().manual_seed(seed)
    X = 2 * torch.rand(n, 1, generator=g) - 1
    y = 3 * X + 2 + noise * torch.randn(n, 1, generator=g)
    return X, y


def fit_line_by_hand(
    X: torch.Tensor, y: torch.Tensor, lr: float = 0.1, num_epochs: int = 100
) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Fit ``y ≈ w·X + b`` by full-batch gradient descent, written out without an optimizer.

    Autograd computes the gradients; the update ``p -= lr * p.grad`` runs under
    ``torch.no_grad()`` and the gradients are zeroed after each step. Returns ``w``, ``b`` and
    the mean squared error before each step. Introduced in *Autograd and Backpropagation*,
    section "Gradient descent by hand".

    >>> X, y = make_line(noise=0.0)
    >>> w, b, losses = fit_line_by_hand(X, y, lr=0.5, num_epochs=200)
    >>> round(w.item(), 3), round(b.item(), 3), losses[-1] < 1e-6
    (3.0, 2.0, True)
    """
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(num_epochs):
        loss = ((w * X + b - y) ** 2).mean()  # forward pass and loss
        loss.backward()  # d(loss)/dw and d(loss)/db land in w.grad, b.grad
        with torch.no_grad():  # the update itself must not be recorded
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()  # backward() adds to .grad: clear it for the next step
        b.grad.zero_()
        losses.append(loss.item())
    return w.detach(), b.detach(), losses


# --- classification ----------------------------------------------------------------------------


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the true class.

    >>> logits = torch.tensor([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0], [0.0, 1.0]])
    >>> accuracy(logits, torch.tensor([0, 1, 1, 1]))
    0.75
    """
    return (logits.argmax(dim=1) == y).float().mean().item()


def train_classifier(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    num_epochs: int = 100,
    lr: float = 0.01,
) -> dict[str, list[float]]:
    """Train a classifier full-batch with Adam and cross-entropy; record curves per epoch.

    Returns ``{"train loss", "test loss", "train accuracy", "test accuracy"}``, one value per
    epoch. Evaluation runs in ``eval()`` mode under ``torch.no_grad()``; training in
    ``train()`` mode. Introduced in *Building Models with nn.Module*, section
    "An MLP on the wine data".

    >>> torch.manual_seed(0) and None
    >>> X = torch.randn(40, 2); y = (X[:, 0] > 0).long()
    >>> curves = train_classifier(nn.Linear(2, 2), X, y, X, y, num_epochs=50, lr=0.1)
    >>> curves["train loss"][-1] < curves["train loss"][0], curves["test accuracy"][-1]
    (True, 1.0)
    """
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    curves: dict[str, list[float]] = {
        k: [] for k in ("train loss", "test loss", "train accuracy", "test accuracy")
    }
    for _ in range(num_epochs):
        model.train()
        optimizer.zero_grad()
        logits = model(X_train)
        loss = loss_fn(logits, y_train)
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            train_logits, test_logits = model(X_train), model(X_test)
        curves["train loss"].append(loss_fn(train_logits, y_train).item())
        curves["test loss"].append(loss_fn(test_logits, y_test).item())
        curves["train accuracy"].append(accuracy(train_logits, y_train))
        curves["test accuracy"].append(accuracy(test_logits, y_test))
    return curves


def plot_confusion_matrix(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    class_names: list[str],
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Plot the confusion matrix: row = true class, column = predicted class, counts written in.

    >>> import matplotlib.pyplot as plt
    >>> ax = plot_confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), ["a", "b"])
    >>> [t.get_text() for t in ax.texts]
    ['1', '0', '1', '1']
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    k = len(class_names)
    counts = torch.zeros(k, k, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        counts[t, p] += 1
    if ax is None:
        _, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.imshow(counts.numpy(), cmap="Blues")
    ax.grid(False)
    for i in range(k):
        for j in range(k):
            n = counts[i, j].item()
            dark = n > counts.max().item() / 2
            ax.text(
                j,
                i,
                str(n),
                ha="center",
                va="center",
                color="white" if dark else "black",
                fontsize=11,
            )
    ax.set_xticks(range(k), class_names)
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return ax
