"""Tests of dlcourse.plot: every figure helper draws what it says, in the course style."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlcourse.metrics import confusion_matrix  # noqa: E402
from dlcourse.plot import (  # noqa: E402
    COURSE_STYLE,
    PALETTE,
    draw_broadcast,
    draw_graph,
    draw_network,
    plot_confusion_matrix,
    plot_contours,
    plot_curves,
    plot_image_grid,
    plot_latent_grid,
    plot_trajectories,
    use_course_style,
)
from dlcourse.surfaces import elongated_quadratic, rosenbrock  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_use_course_style_sets_style_and_palette() -> None:
    use_course_style()
    assert matplotlib.rcParams["svg.hashsalt"] == COURSE_STYLE["svg.hashsalt"]
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert tuple(colours) == PALETTE


def test_plot_curves_one_line_per_curve_and_log_axis() -> None:
    ax = plot_curves({"train": [1.0, 0.5], "validation": [1.2, 0.9]}, logy=True)
    assert [line.get_label() for line in ax.get_lines()] == ["train", "validation"]
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2]  # epochs count from 1


def test_draw_network_one_circle_per_neuron() -> None:
    ax = draw_network([4, 5, 2], labels=["in", "hidden", "out"])
    assert len(ax.patches) == 11
    assert {"in", "hidden", "out"} <= {t.get_text() for t in ax.texts}


def test_draw_broadcast_marks_repeated_cells() -> None:
    ax = draw_broadcast(torch.zeros(4, 3), torch.zeros(3))
    dashed = [p for p in ax.patches if p.get_linestyle() == "--"]
    assert len(ax.patches) == 3 * 12
    assert len(dashed) == 9  # the row of b is real once and repeated three times


def test_draw_broadcast_rejects_incompatible_and_3d_shapes() -> None:
    with pytest.raises(RuntimeError):
        draw_broadcast(torch.zeros(4, 3), torch.zeros(4))
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        draw_broadcast(torch.zeros(2, 2, 2), torch.zeros(2))


def test_draw_graph_shows_leaves_and_operations() -> None:
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    loss = (w * 3 + b - 10) ** 2
    ax = draw_graph(loss, names={"w": w, "b": b, "loss": loss})
    texts = {t.get_text() for t in ax.texts if t.get_text()}
    assert {"w\n()", "b\n()", "loss\n()", "Pow\nBackward0", "Mul\nBackward0"} <= texts


def test_draw_graph_needs_a_tracked_tensor() -> None:
    with pytest.raises(ValueError, match="requires_grad=True"):
        draw_graph(torch.ones(2) * 2)


def test_plot_confusion_matrix_counts_and_names() -> None:
    y_true = torch.tensor([0, 0, 1, 2, 2, 2])
    y_pred = torch.tensor([0, 1, 1, 2, 2, 0])
    ax = plot_confusion_matrix(confusion_matrix(y_pred, y_true, 3), ["a", "b", "c"])
    assert ax.images[0].get_array().tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]  # no zeros
    assert ax.texts[0].get_fontsize() == 11


def test_plot_confusion_matrix_many_classes_smaller_numbers() -> None:
    ax = plot_confusion_matrix(torch.eye(10, dtype=torch.long) * 3)
    assert len(ax.texts) == 10 and ax.texts[0].get_fontsize() == 8
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_plot_image_grid_one_axis_per_image() -> None:
    fig = plot_image_grid(torch.rand(7, 1, 8, 8), titles=list("abcdefg"), ncols=4)
    assert len(fig.axes) == 7
    assert fig.axes[6].get_title() == "g"


def test_plot_contours_and_trajectories() -> None:
    ax = plot_contours(rosenbrock, (-2, 2), (-1, 3), levels=10)
    assert len(ax.collections) > 0 and ax.get_xlim() == (-2, 2)
    paths = {"a": torch.zeros(3, 2), "b": torch.ones(3, 2)}
    ax = plot_trajectories(elongated_quadratic, paths, (-2, 2), (-2, 2), minimum=(0, 0))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["a", "b"]


def test_plot_latent_grid_puts_each_decoded_code_at_its_place() -> None:
    # each "image" is filled with (z1 + 3) / 10 in its first row and (z2 + 3) / 10 elsewhere
    def decode(z: torch.Tensor) -> torch.Tensor:
        images = ((z[:, 1] + 3) / 10).reshape(-1, 1, 1).repeat(1, 8, 8)
        images[:, 0, :] = ((z[:, 0] + 3) / 10).unsqueeze(1)
        return images

    ax = plot_latent_grid(decode, n=3, span=2.0)
    montage = torch.as_tensor(ax.images[0].get_array())
    assert montage.shape == (30, 30)  # 3 tiles of 8 pixels, each in a 1-pixel frame
    assert montage[0, 0].item() == 0.0 and montage[:, 9].eq(0).all()  # the white frames
    assert montage[1, 1].item() == pytest.approx(0.1)  # top-left tile: z1 = -2
    assert montage[2, 1].item() == pytest.approx(0.5)  # ... and z2 = +2 (up is larger)
    assert montage[22, 28].item() == pytest.approx(0.1)  # bottom-right tile: z2 = -2
    assert montage[21, 28].item() == pytest.approx(0.5)  # ... and z1 = +2
    assert ax.get_xlim() == (-3.0, 3.0) and ax.get_ylim() == (-3.0, 3.0)
    assert ax.get_xlabel() == "$z_1$"
