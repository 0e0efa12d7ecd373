"""Plotting helpers: one look for every figure in the course, reproducible to the byte."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

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

# Colour-blind-safe palette (Okabe–Ito), in the order lines are drawn.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def use_course_style() -> None:
    """Apply the course's matplotlib style; in a notebook, render figures as SVG.

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


def draw_network(
    layer_sizes: Sequence[int],
    labels: Sequence[str] | None = None,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Draw a fully connected network: one column of neurons per layer, every edge drawn.

    Arrows under the columns mark the forward pass (left to right) and the backward pass.

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


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = False,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.axes.Axes:
    """Plot named curves (e.g. loss per epoch) on one axis, with a legend when there are several.

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
