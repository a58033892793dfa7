"""The ``graph`` job: the computation graph of one training step, for drawing."""
from __future__ import annotations

import numpy as np

from .model import BinaryClassifier
from .validation import check_count, check_layer_dims

__all__ = ["step_graph"]


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
