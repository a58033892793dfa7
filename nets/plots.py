"""The pictures: cost curves, mislabeled images, decision boundaries, graphs, sharpness.

Figures are built with ``matplotlib.figure.Figure`` directly, not ``pyplot``: no
GUI backend is touched, no global figure state is left behind, and the
functions are safe to call from tests and from several threads.  Every file is
written atomically (see :mod:`nets.atomic`).
"""
from __future__ import annotations

import math

import numpy as np

from .atomic import save_figure

__all__ = ["plot_costs", "plot_mislabeled", "plot_graph", "graph_layout", "plot_decision_boundary",
           "plot_decision_boundaries", "draw_decision_boundary", "plot_sharpness",
           "MAX_MISLABELED_SHOWN"]

#: More mislabeled images than this are summarised instead of drawn one by one.
MAX_MISLABELED_SHOWN = 60
_IMAGES_PER_ROW = 10


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _class_name(classes, index: int) -> str:
    name = classes[int(index)]
    return name.decode("utf-8") if isinstance(name, bytes) else str(name)


def plot_costs(costs, learning_rate: float, path, unit: str = "iteration") -> None:
    """The tutorial's cost curve: cost against iterations (per hundreds).

    ``costs`` is ``[(iteration, cost), ...]`` as ``fit`` returns it.  The x axis
    is ``iteration / 100``, which is the tutorial's axis when costs are recorded
    every 100 iterations and stays honest for any other spacing. ``unit`` is
    ``"epoch"`` for mini-batch training (costs per epoch).
    """
    iterations = np.array([i for i, _ in costs], dtype=float)
    values = np.array([c for _, c in costs], dtype=float)
    fig = _figure(5.0, 4.0)  # the tutorial's default figure size
    ax = fig.add_subplot()
    ax.plot(iterations / 100.0, values)
    ax.set_ylabel("cost")
    ax.set_xlabel(f"{unit}s (per hundreds)")
    ax.set_title("Learning rate =" + str(learning_rate))
    fig.tight_layout()
    save_figure(fig, path, dpi=100)


def plot_cost_curves(curves, path, title: str | None = None, legend_title: str | None = None) -> None:
    """Several cost curves on one plot, as the course draws its learning-rate comparison.

    ``curves`` is ``[(label, [(iteration, cost), ...]), ...]``; the x axis is
    ``iteration / 100`` ("iterations (hundreds)"), one line per curve, with a
    legend of the labels.
    """
    fig = _figure(5.5, 4.0)
    ax = fig.add_subplot()
    for label, costs in curves:
        ax.plot([i / 100.0 for i, _ in costs], [c for _, c in costs], label=label)
    ax.set_ylabel("cost")
    ax.set_xlabel("iterations (hundreds)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(title=legend_title, loc="upper center", frameon=True)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)


def plot_mislabeled(classes, images, y, p, path) -> int:
    """The test images the model got wrong, titled as the tutorial does. Returns their number.

    ``images`` is (m, H, W, 3) uint8, ``y`` and ``p`` the labels and
    predictions, shape (1, m) or (m,).  Each image is titled
    ``"Prediction: cat \\n Class: non-cat"``.  With nothing mislabeled the
    picture says so; with more than :data:`MAX_MISLABELED_SHOWN`, the first
    ones are drawn and the title gives the total.
    """
    y = np.asarray(y).reshape(-1)
    p = np.asarray(p).reshape(-1)
    wrong = np.flatnonzero(p != y)
    total = len(wrong)
    if total == 0:
        fig = _figure(5.0, 1.5)
        fig.text(0.5, 0.5, f"No mislabeled images: all {len(y)} test images are classified correctly.",
                 ha="center", va="center", fontsize=10)
        save_figure(fig, path, dpi=100)
        return 0
    shown = wrong[:MAX_MISLABELED_SHOWN]
    columns = min(len(shown), _IMAGES_PER_ROW)
    rows = math.ceil(len(shown) / columns)
    fig = _figure(1.7 * columns, 2.0 * rows + 0.5)
    for k, index in enumerate(shown):
        ax = fig.add_subplot(rows, columns, k + 1)
        ax.imshow(images[index], interpolation="nearest")
        ax.axis("off")
        ax.set_title(
            "Prediction: " + _class_name(classes, p[index]) + " \n Class: " + _class_name(classes, y[index]),
            fontsize=8,
        )
    heading = f"{total} of {len(y)} test images mislabeled"
    if total > len(shown):
        heading += f" (the first {len(shown)} shown)"
    fig.suptitle(heading, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)
    return total


# ---------------------------------------------------------------------------
# Computation graphs
# ---------------------------------------------------------------------------


def graph_layout(graph):
    """Levels for a drawing: ``{id(node): (level, position)}`` for every tensor and op.

    A result sits one level below the op that made it, an op one level below
    its deepest input.  A leaf (a parameter, the data) sits just above the first
    op that uses it, rather than at the top, so that ``b3`` is drawn beside the
    ``matmul`` it is added to instead of far away with ``X``.
    """
    from autograd_mini import Tensor

    level = {}
    # Ops and results in topological order: the graph's tensors are in post-order.
    for tensor in graph.tensors:
        if tensor.op is None:
            continue
        op = tensor.op
        deepest = max((level.get(id(t), 0) for t in op.inputs), default=0)
        level[id(op)] = deepest + 1
        level[id(tensor)] = deepest + 2
    # Leaves: just above their first (shallowest) user.
    users = {}
    for source, target in graph.edges:
        if isinstance(source, Tensor):  # a tensor -> op edge
            users.setdefault(id(source), []).append(level[id(target)])
    for tensor in graph.tensors:
        if tensor.op is None:
            level[id(tensor)] = min(users.get(id(tensor), [1])) - 1
    # Positions within a level, in the order the nodes were listed.
    positions = {}
    counts = {}
    for node in _nodes_in_order(graph):
        lv = level[id(node)]
        positions[id(node)] = (lv, counts.get(lv, 0))
        counts[lv] = counts.get(lv, 0) + 1
    return positions


def _nodes_in_order(graph):
    """Tensors and ops interleaved: each op just before its result."""
    for tensor in graph.tensors:
        if tensor.op is not None:
            yield tensor.op
        yield tensor


def plot_graph(graph, path, title: str | None = None) -> None:
    """Draw an ``autograd_mini.graph.Graph`` (from ``collect(root)``) to ``path``.

    Ops are rounded boxes (yellow), tensors square boxes labelled with name, shape and dtype; leaves
    that require a gradient (the parameters) are blue, constants (X, Y) grey,
    intermediate results white.  Inputs are above the ops that use them.
    """
    from autograd_mini import Tensor
    from autograd_mini.graph import tensor_label

    layout = graph_layout(graph)
    nodes = list(_nodes_in_order(graph))
    n_levels = max(lv for lv, _ in layout.values()) + 1
    width_slots = max(pos for _, pos in layout.values()) + 1
    # Centre each level's nodes horizontally.
    per_level = {}
    for lv, pos in layout.values():
        per_level[lv] = max(per_level.get(lv, 0), pos + 1)

    slot_w, slot_h = 2.6, 0.75  # inches per node slot
    fig_w = max(4.0, slot_w * width_slots + 0.5)
    fig_h = max(3.0, slot_h * n_levels + 0.8)
    fig = _figure(fig_w, fig_h)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.5, width_slots - 0.5)
    ax.set_ylim(n_levels - 0.5 + 0.6, -0.6)  # level 0 at the top
    ax.axis("off")

    artists = {}
    for node in nodes:
        lv, pos = layout[id(node)]
        x = pos + (width_slots - per_level[lv]) / 2.0
        if isinstance(node, Tensor):
            label = tensor_label(node).replace("\\n", "\n")
            if node.op is None:
                face = "#a6cee3" if node.requires_grad else "#d9d9d9"
            else:
                face = "white"
            box = dict(boxstyle="square,pad=0.3", facecolor=face, edgecolor="black", linewidth=0.8)
            size = 7
        else:
            label = node.describe()
            # "round", not "ellipse": matplotlib has ellipse boxes only from 3.7 (the floor is 3.6).
            box = dict(boxstyle="round,pad=0.3", facecolor="#fff3c4", edgecolor="#8a6d00", linewidth=0.8)
            size = 8
        artists[id(node)] = ax.text(x, lv, label, ha="center", va="center", fontsize=size, bbox=box,
                                    family="monospace" if size == 7 else None, zorder=3)
    from matplotlib.patches import FancyArrowPatch

    centres = {key: artist.get_position() for key, artist in artists.items()}
    for source, target in graph.edges:
        # Clipped to the two nodes' outlines; drawn after the nodes (higher
        # zorder) because a text's box is only placed when the text is drawn.
        arrow = FancyArrowPatch(
            centres[id(source)], centres[id(target)],
            patchA=artists[id(source)].get_bbox_patch(), patchB=artists[id(target)].get_bbox_patch(),
            arrowstyle="-|>", mutation_scale=9, color="#555555", linewidth=0.8, shrinkA=1, shrinkB=1,
            zorder=4,
        )
        ax.add_patch(arrow)
    legend = "blue: parameters (require grad)   grey: constants (data)   white: results   yellow, rounded: ops"
    ax.text(0.5, 0.995, title or "", transform=ax.transAxes, ha="center", va="top", fontsize=10)
    ax.text(0.5, 0.005, legend, transform=ax.transAxes, ha="center", va="bottom", fontsize=7, color="#333333")
    save_figure(fig, path, dpi=100)


#: Where in matplotlib's "Spectral" map the two classes' colours are taken, for
#: the regions and the points alike (class 0 red, class 1 blue).
CLASS_COLOUR_VALUES = (0.1, 0.9)
#: How opaque the filled regions are over white (the points are opaque).
REGION_ALPHA = 0.45
#: The picture extends the data's range by this fraction of its spread on every side.
PAD_FRACTION = 0.1


def class_colours():
    """The two classes' RGBA colours, shared by the regions and the points."""
    from matplotlib import colormaps

    spectral = colormaps["Spectral"]
    return [spectral(value) for value in CLASS_COLOUR_VALUES]


def boundary_extent(X):
    """``(x_min, x_max, y_min, y_max)``: the data's range padded by PAD_FRACTION of its spread.

    A coordinate with no spread (all points on a line) is padded by 1.
    """
    extent = []
    for row in np.asarray(X, dtype=float)[:2]:
        low, high = float(row.min()), float(row.max())
        pad = PAD_FRACTION * (high - low) if high > low else 1.0
        extent += [low - pad, high + pad]
    return tuple(extent)


def draw_decision_boundary(ax, model, X, Y, title: str | None = None, resolution: int = 300) -> None:
    """Draw on ``ax`` the plane coloured by the model's prediction, with the data points on it.

    As the course draws it, with two changes: the regions and the points take
    the same two colours (:func:`class_colours`; the regions lighter, over
    white), so that a point on its own class's colour is classified right and
    one on the other colour is not; and the range of X is widened by
    :data:`PAD_FRACTION` of its spread on every side (not by a fixed 1, which
    drowns a data set about one unit wide). A ``resolution`` x ``resolution``
    grid is classified by ``model.predict`` (no dropout).
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"a decision boundary needs 2-D inputs (X of shape (2, m)), got X of shape {X.shape}")
    labels = np.asarray(Y).reshape(-1).astype(int)
    colours = class_colours()
    x_min, x_max, y_min, y_max = boundary_extent(X)
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    zz = model.predict(np.vstack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    # One colour per band: [-0.5, 0.5) is class 0, [0.5, 1.5] class 1.
    ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=colours, alpha=REGION_ALPHA)
    ax.scatter(X[0], X[1], c=ListedColormap(colours)(labels), s=12, edgecolors="k", linewidths=0.4)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title, fontsize=9)


def plot_decision_boundary(model, X, Y, path, title: str | None = None, resolution: int = 300) -> None:
    """One decision-boundary picture (2-D inputs only; see :func:`draw_decision_boundary`)."""
    fig = _figure(5.5, 4.5)
    draw_decision_boundary(fig.add_subplot(), model, X, Y, title, resolution)
    fig.tight_layout()
    save_figure(fig, path, dpi=100)


def plot_decision_boundaries(panels, path, columns: int = 3) -> None:
    """Several decision boundaries side by side: ``panels`` is ``[(model, X, Y, title), ...]``."""
    rows = -(-len(panels) // columns)
    fig = _figure(4.0 * min(columns, len(panels)), 3.4 * rows)
    for k, (model, X, Y, title) in enumerate(panels):
        draw_decision_boundary(fig.add_subplot(rows, columns, k + 1), model, X, Y, title, resolution=200)
    fig.tight_layout()
    save_figure(fig, path, dpi=80)


def plot_sharpness(result: dict, path) -> None:
    """Cost (every iteration) above, sharpness (measured points) below, with the 2 / lr line."""
    figure = _figure(7.5, 6)
    top, bottom = figure.subplots(2, 1, sharex=True)
    shown = [c for c in result["costs"] if c[0] >= result.get("start", 0)]
    top.plot([c[0] for c in shown], [c[1] for c in shown], ".-" if len(shown) <= 200 else "-", lw=0.8, ms=3,
             color="tab:blue")
    top.set_ylabel("cost")
    top.set_title(f"{result['layers']} on {_short(result['data'])} data, learning rate {result['learning_rate']:g}",
                  fontsize=10)
    records = result["records"]
    bottom.plot([r["iteration"] for r in records], [r["sharpness"] for r in records], "o-", ms=3,
                color="tab:red", label="sharpness (top Hessian eigenvalue)")
    bottom.axhline(result["two_over_lr"], color="black", ls="--", lw=1,
                   label=f"2 / learning rate = {result['two_over_lr']:.4g}")
    bottom.set_xlabel("iteration")
    bottom.set_ylabel("sharpness")
    bottom.set_ylim(bottom=0)
    # Above the panel, not over the points (they can fill the whole height).
    bottom.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
    figure.tight_layout(h_pad=2.0)
    save_figure(figure, path, dpi=110)


def _short(description: str) -> str:  # the data's name in a title
    return description if description == "synthetic" else "cat/non-cat"
