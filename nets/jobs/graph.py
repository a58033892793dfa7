"""The ``graph`` job: the computation graph of one training step, drawn and written as DOT text."""
from __future__ import annotations

import os

import numpy as np

from autograd_mini.graph import collect, to_dot

from ..atomic import write_text
from ..model import BinaryClassifier
from ..validation import check_count, check_layer_dims

__all__ = ["DRAWING_SUFFIXES", "step_graph", "write_step_graph"]

#: The picture formats ``write_step_graph`` draws.
DRAWING_SUFFIXES = (".png", ".svg", ".pdf")


def step_graph(layers=(12288, 20, 7, 5, 1), examples: int = 209, cost: str = "stable",
               dtype: str = "float64", seed: int = 1):
    """The cost tensor of one training step (forward + cost), its graph still attached.

    X (zeros) and Y (zeros) are named "X" and "Y" so that the drawing shows
    them; only their shapes matter.
    """
    layers = check_layer_dims(layers)
    examples = check_count(examples, "examples", 1)
    model = BinaryClassifier(layers, init="xavier", seed=seed, dtype=dtype, cost=cost)
    batch = model.batch(np.zeros((layers[0], examples)), np.zeros((1, examples)))
    batch.X.name = "X"
    batch.Y.name = "Y"
    root = model.compute_cost(batch)
    root.name = "cost"
    return root


def write_step_graph(out, layers=(12288, 20, 7, 5, 1), examples: int = 209, cost: str = "stable") -> dict:
    """Draw one training step's graph into ``out`` (.png, .svg or .pdf) and its DOT text beside it.

    Returns ``{"picture", "dot", "ops", "tensors"}``: the two paths written and
    the graph's size. The suffix is checked before any work.
    """
    base, ext = os.path.splitext(out)
    if ext.lower() not in DRAWING_SUFFIXES:
        raise ValueError(f"--out must name a .png, .svg or .pdf file, got {out!r}")
    from ..plots import plot_graph

    root = step_graph(layers=layers, examples=examples, cost=cost)
    graph = collect(root)
    title = f"one training step of {list(layers)} on {examples} examples ({cost} cost)"
    plot_graph(graph, out, title=title)
    dot_path = base + ".dot"
    write_text(dot_path, to_dot(root, name="training_step"))
    return {"picture": out, "dot": dot_path, "ops": len(graph.ops), "tensors": len(graph.tensors)}
