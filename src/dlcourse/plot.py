"""Plotting: every figure helper of the course, in one look, reproducible to the byte.

The course style and palette, loss curves, diagrams (a network, broadcasting, an autograd graph),
image grids, the confusion matrix, and contours with optimizer paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib
import torch

__all__ = [
    "COURSE_STYLE",
    "PALETTE",
    "draw_broadcast",
    "draw_graph",
    "draw_network",
    "plot_confusion_matrix",
    "plot_contours",
    "plot_curves",
    "plot_image_grid",
    "plot_latent_grid",
    "plot_trajectories",
    "use_course_style",
]

# --- style

#: the matplotlib settings of every figure in the course (:func:`use_course_style` applies them)
COURSE_STYLE: dict[str, object] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "white",  # figures stay legible on the dark theme too
    "axes.facecolor": "white",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
    "svg.hashsalt": "dlcourse",  # stable element ids in SVG output
    "svg.fonttype": "none",  # text stays text: smaller files, searchable labels
    "savefig.bbox": "tight",
}

#: colour-blind-safe palette (Okabe–Ito), in the order lines are drawn
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def use_course_style() -> None:
    """Apply the course's matplotlib style; in a notebook, render figures as SVG.

    :func:`dlcourse.notebook.setup` calls it. Introduced in *Introduction to Deep Learning*:
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> use_course_style()
    >>> matplotlib.rcParams["svg.hashsalt"]
    'dlcourse'
    """
    from cycler import cycler

    matplotlib.rcParams.update(COURSE_STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = False,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Plot named curves (e.g. loss per epoch) on one axis, with a legend when there are several.

    Introduced in *Introduction to Deep Learning*:
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> ax = plot_curves({"train": [1.0, 0.5, 0.25]})
    >>> ax.get_ylabel()
    'loss'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), list(values), label=name, lw=1.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if len(curves) > 1:
        ax.legend()
    return ax


# --- diagrams


def draw_network(
    layer_sizes: Sequence[int],
    labels: Sequence[str] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw a fully connected network: one column of neurons per layer, every edge drawn.

    Arrows under the columns mark the forward pass (left to right) and the backward pass.
    Introduced in *Introduction to Deep Learning*:
    https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> import matplotlib.pyplot as plt
    >>> ax = draw_network([3, 4, 1], labels=["input", "hidden", "output"])
    >>> len(ax.patches)  # one circle per neuron
    8
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.4))
    n_layers = len(layer_sizes)
    tallest = max(layer_sizes)
    gap = max(2.0, tallest / 2)  # tall columns stand further apart, so their labels fit
    positions = []
    for i, size in enumerate(layer_sizes):
        offset = (tallest - size) / 2
        positions.append([(i * gap, tallest - 1 - offset - j) for j in range(size)])
    for left, right in zip(positions[:-1], positions[1:], strict=True):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="#9aa5b1", lw=0.8, zorder=1)
    for i, column in enumerate(positions):
        colour = PALETTE[0] if i == 0 else PALETTE[2] if i == n_layers - 1 else PALETTE[1]
        for x, y in column:
            ax.add_patch(Circle((x, y), 0.28, facecolor=colour, edgecolor="black", zorder=2))
    if labels:
        for (x, _), label in zip((column[0] for column in positions), labels, strict=True):
            ax.text(x, tallest - 0.3, label, ha="center", va="bottom", fontsize=10)
    bottom = -1.1
    ax.annotate(
        "",
        xy=(gap * (n_layers - 1), bottom),
        xytext=(0, bottom),
        arrowprops={"arrowstyle": "->", "color": PALETTE[0], "lw": 1.5},
    )
    ax.text(
        gap * (n_layers - 1) / 2,
        bottom + 0.15,
        "forward pass: x → prediction",
        ha="center",
        va="bottom",
        color=PALETTE[0],
    )
    ax.annotate(
        "",
        xy=(0, bottom - 0.6),
        xytext=(gap * (n_layers - 1), bottom - 0.6),
        arrowprops={"arrowstyle": "->", "color": PALETTE[1], "lw": 1.5},
    )
    ax.text(
        gap * (n_layers - 1) / 2,
        bottom - 0.75,
        "backward pass: ∂loss/∂weights",
        ha="center",
        va="top",
        color=PALETTE[1],
    )
    ax.set_xlim(-0.7, gap * (n_layers - 1) + 0.7)
    ax.set_ylim(bottom - 1.4, tallest + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


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
    *Installing PyTorch and Tensor Fundamentals*, section "Broadcasting":
    https://dlcourse.github.io/dlcourse/modules/pytorch-setup-and-tensors.html

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
    "The computation graph": https://dlcourse.github.io/dlcourse/modules/autograd-and-backpropagation.html

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


# --- data and results


def plot_image_grid(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    ax_size: float = 0.8,
) -> matplotlib.figure.Figure:
    """Show a batch of images ``(N, 1, H, W)`` or ``(N, H, W)`` in a grid, grey scale.

    Introduced in *Datasets and DataLoaders*:
    https://dlcourse.github.io/dlcourse/modules/datasets-and-dataloaders.html

    >>> fig = plot_image_grid(torch.rand(10, 1, 8, 8), ncols=5)
    >>> len(fig.axes)
    10
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    images = images.detach().reshape(len(images), *images.shape[-2:])
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * ax_size, nrows * ax_size * 1.15), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        if i >= len(images):
            fig.delaxes(ax)
            continue
        ax.imshow(images[i].numpy(), cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="none")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, pad=2)
    return fig


def plot_confusion_matrix(
    cm: torch.Tensor,
    class_names: Sequence[str] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw a confusion matrix (from :func:`dlcourse.metrics.confusion_matrix`) as a heat map:
    row = true class, column = predicted class, the count written in every non-empty cell.

    ``class_names`` label the ticks (default: the class numbers). With more than five classes
    the counts are written smaller. Introduced in *Building Models with nn.Module*:
    https://dlcourse.github.io/dlcourse/modules/building-models-with-nn-module.html

    >>> ax = plot_confusion_matrix(torch.tensor([[5, 1], [0, 4]]), ["a", "b"])
    >>> ax.get_xlabel(), [t.get_text() for t in ax.texts]
    ('predicted class', ['5', '1', '4'])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.2))
    n = cm.shape[0]
    ax.imshow(cm.numpy(), cmap="Blues")
    fontsize = 11 if n <= 5 else 8
    for i in range(n):
        for j in range(n):
            value = int(cm[i, j])
            if value:
                colour = "white" if value > cm.max() / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", fontsize=fontsize, color=colour)
    if class_names is None:
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
    else:
        ax.set_xticks(range(n), class_names)
        ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    return ax


# --- optimization


def plot_contours(
    surface: Callable[[torch.Tensor], torch.Tensor],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: matplotlib.axes.Axes | None = None,
    levels: int = 20,
    resolution: int = 200,
) -> matplotlib.axes.Axes:
    """Draw the contour lines of ``surface``, spaced on a log scale, in light grey.

    Introduced in *Gradient Descent and Optimizers*:
    https://dlcourse.github.io/dlcourse/modules/gradient-descent-and-optimizers.html

    >>> from dlcourse.surfaces import rosenbrock
    >>> ax = plot_contours(rosenbrock, (-2, 2), (-1, 3))
    >>> len(ax.collections) > 0
    True
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots()
    xs = torch.linspace(*xlim, resolution)
    ys = torch.linspace(*ylim, resolution)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)
    values = surface(grid).numpy()
    low = max(float(values.min()), 1e-3)
    ticks = np.geomspace(low, float(values.max()), levels)
    ax.contour(xs.numpy(), ys.numpy(), values, levels=ticks, colors="#9aa5b1", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.grid(False)
    return ax


def plot_trajectories(
    surface: Callable[[torch.Tensor], torch.Tensor],
    paths: Mapping[str, torch.Tensor],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    minimum: tuple[float, float] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw each path (from :func:`dlcourse.surfaces.run_trajectory`) over the contours of
    ``surface``.

    The start is a black dot; the minimum, if given, a star. Introduced in *Gradient Descent and
    Optimizers*: https://dlcourse.github.io/dlcourse/modules/gradient-descent-and-optimizers.html

    >>> path = torch.tensor([[1.0, 1.0], [0.5, 0.2], [0.0, 0.0]])
    >>> from dlcourse.surfaces import elongated_quadratic
    >>> ax = plot_trajectories(elongated_quadratic, {"GD": path}, (-2, 2), (-1, 1))
    >>> [line.get_label() for line in ax.get_lines()][0]
    'GD'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    ax = plot_contours(surface, xlim, ylim, ax=ax)
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], lw=1.4, marker=".", markersize=3, label=name)
    first = next(iter(paths.values()))[0]
    ax.plot(first[0], first[1], "o", color="black", markersize=5)
    if minimum is not None:
        ax.plot(*minimum, "*", color="black", markersize=11)
    return ax


def plot_latent_grid(
    decode: Callable[[torch.Tensor], torch.Tensor],
    n: int = 15,
    span: float = 2.5,
    image_shape: tuple[int, int] = (8, 8),
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Decode an ``n × n`` grid of 2-D codes ``z`` in ``[-span, span]²`` and draw the images as
    one montage whose axes are ``z₁`` and ``z₂``.

    ``decode`` maps codes ``(N, 2)`` to images with ``H × W = image_shape`` pixels in [0, 1]
    (any shape with ``N`` first). Each image sits centred on its own ``z`` in a one-pixel white
    frame, larger ``z₂`` up, so the montage lines up with a scatter plot of codes on the same
    axes. Introduced in
    *Autoencoders and VAEs*:
    https://dlcourse.github.io/dlcourse/modules/autoencoders-and-vaes.html

    >>> ax = plot_latent_grid(lambda z: torch.sigmoid(z[:, :1]).expand(-1, 64), n=5, span=2.0)
    >>> ax.images[0].get_array().shape, ax.get_xlim() == (-2.5, 2.5)
    ((50, 50), True)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    h, w = image_shape
    values = torch.linspace(-span, span, n)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")  # top row: largest z2
    codes = torch.stack([z1.flatten(), z2.flatten()], dim=1)
    with torch.no_grad():
        images = decode(codes).reshape(n, n, h, w)
    images = torch.nn.functional.pad(images, (1, 1, 1, 1))  # a white frame: tiles stay apart
    montage = images.permute(0, 2, 1, 3).reshape(n * (h + 2), n * (w + 2))
    half = span / (n - 1) if n > 1 else 0.5
    extent = (-span - half, span + half, -span - half, span + half)
    ax.imshow(
        montage.numpy(), cmap="gray_r", vmin=0.0, vmax=1.0, extent=extent, interpolation="none"
    )
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.grid(False)
    return ax
