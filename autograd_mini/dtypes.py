"""Constants in the dtype of the array they meet: float32 stays float32 on every numpy.

numpy 2 promotes by dtype (NEP 50): a Python number next to a float32 array,
of any shape, gives float32. numpy 1.x promotes by value, and only when an
array operand has at least one dimension: when every operand is a 0-d array
or a number (a cost, a mean, a one-element tensor), ``1 - y`` or
``np.maximum(x, 0)`` with a float32 ``x`` comes out float64. An op that mixes
a constant into its arithmetic writes the constant with :func:`scalar_like`;
a float32 scalar next to a float32 array gives float32 under both rules, and
the same bits as the Python number under NEP 50 (the Python number is
converted to the array's dtype there too). This module is the one place that
knows about the difference; nothing in the engine tests numpy's version.
"""
from __future__ import annotations

import numpy as np


def scalar_like(value, like: np.ndarray):
    """``value`` (a Python number) as a numpy scalar of ``like``'s dtype.

    For a float64 ``like`` this is the same number (a float64 holds every
    Python float); for float32 it is the number numpy 2 would use anyway.
    """
    return like.dtype.type(value)
