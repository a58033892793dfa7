"""Undoing numpy broadcasting in the backward pass, in one central place.

When an op broadcasts an input of shape ``s`` to a larger shape, the input's
gradient is the upstream gradient summed over every broadcast axis. Op authors
never do this themselves: the engine calls :func:`sum_to_shape` on every
vector-Jacobian product before accumulating it into the input.
"""
from __future__ import annotations

import numpy as np


def sum_to_shape(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``array`` over the axes that numpy broadcasting added or stretched.

    ``shape`` must be broadcastable to ``array.shape``. Leading axes that
    broadcasting prepended are summed away; axes where ``shape`` has size 1
    and ``array`` does not are summed with ``keepdims``. The array itself is
    returned (no copy) when the shapes already agree.
    """
    shape = tuple(shape)
    if array.shape == shape:
        return array
    plan = _PLANS.get((array.shape, shape))
    if plan is None:
        plan = _PLANS[(array.shape, shape)] = _reduction(array.shape, shape)
    axes, extra = plan
    reduced = array.sum(axis=axes, keepdims=True)
    # keepdims leaves exactly ``shape`` unless broadcasting prepended axes.
    return reduced.reshape(shape) if extra else reduced


#: (from shape, to shape) -> (axes, prepended axes): a step sums the same shapes every time.
_PLANS: dict = {}


def _reduction(source: tuple, shape: tuple):
    extra = len(source) - len(shape)
    if extra < 0:
        raise ValueError(f"sum_to_shape: cannot reduce shape {source} to {shape}")
    axes = list(range(extra))
    for i, (target, actual) in enumerate(zip(shape, source[extra:])):
        if target != actual:
            if target != 1:
                raise ValueError(f"sum_to_shape: shape {shape} does not broadcast to {source}")
            axes.append(extra + i)
    # One axis as an int: numpy's reduction takes that path faster than a tuple.
    return (axes[0] if len(axes) == 1 else tuple(axes)), extra
