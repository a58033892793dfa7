"""Constants in the dtype of the array they meet: float32 stays float32 on every numpy.

numpy 2 promotes by dtype (NEP 50): a Python number next to a float32 array,
of any shape, gives float32. numpy 1.x promotes by value, and only when an
array operand has at least one dimension: when every operand is a 0-d array
or a number (a cost, a mean, a one-element tensor), ``1 - y`` or
``np.maximum(x, 0)`` with a float32 ``x`` comes out float64. An op that mixes
a constant into its arithmetic writes the constant with :func:`scalar_like`.

This module is the one place that knows about the difference, and it asks
numpy's behaviour, not its version (numpy 1.24 to 1.26 can also be switched
to NEP 50 with ``NPY_PROMOTION_STATE=weak``). Where numpy promotes by dtype,
the number is returned as it is, so the engine computes exactly what it would
without this module; elsewhere it becomes a numpy scalar of the array's dtype,
which is what NEP 50 would have converted it to.
"""
from __future__ import annotations

import numpy as np

_ZERO_D = np.ones((), dtype=np.float32)
#: True where a Python number next to a 0-d float32 array gives float32 (NEP 50, numpy 2), in
#: ufuncs and in np.where alike (numpy 1.x's experimental NEP 50 mode leaves np.where out).
PROMOTES_BY_DTYPE = (_ZERO_D + 1).dtype == np.float32 and np.where(True, 1, _ZERO_D).dtype == np.float32

if PROMOTES_BY_DTYPE:

    def scalar_like(value, like: np.ndarray):
        """``value`` (a Python number), to be combined with ``like`` without promoting it.

        Under NEP 50 a Python number already takes the array's dtype: returned as it is.
        """
        return value

else:

    def scalar_like(value, like: np.ndarray):
        """``value`` (a Python number) as a numpy scalar of ``like``'s dtype.

        numpy 1.x promotes a Python number next to a 0-d array by value (float64);
        a scalar of the array's own dtype promotes nothing, as under NEP 50.
        """
        return like.dtype.type(value)
