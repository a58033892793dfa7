"""Anomaly mode: find the op that first produced a NaN or an infinity.

Off by default. When off, the engine's only cost is reading one flag per op.
"""
from __future__ import annotations

import os
import traceback

import numpy as np


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a forward or backward pass under detect_anomaly()."""


class _AnomalyMode:
    enabled = False


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class detect_anomaly:
    """Context manager: raise :class:`AnomalyError` at the first non-finite value.

    Inside it, every op records where in the user's code it was created
    (``file:line``), checks that its forward result is finite, and the backward
    pass checks every vector-Jacobian product. The error names the op, the
    shapes of its inputs and that place.
    """

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_AnomalyMode.enabled)
        _AnomalyMode.enabled = True
        return self

    def __exit__(self, *exc):
        _AnomalyMode.enabled = self._previous.pop()
        return False


def creation_site() -> str:
    """``file:line`` of the innermost stack frame outside autograd_mini."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


def _non_finite(array) -> str | None:
    array = np.asarray(array)
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "NaN" if np.isnan(array).any() else "an infinity"


def _site(op) -> str:
    if op.created_at is None:
        return "outside detect_anomaly(), so where is unknown (build the graph inside it to know)"
    return f"at {op.created_at}"


def check_forward(op, inputs, out) -> None:
    what = _non_finite(out)
    if what is not None:
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise AnomalyError(
            f"{op.describe()} produced {what} in the forward pass "
            f"(input shapes {shapes}); the op was created {_site(op)}"
        )


def check_backward(op, index, vjp) -> None:
    what = _non_finite(vjp)
    if what is not None:
        shapes = ", ".join(str(t.shape) for t in op.inputs)
        raise AnomalyError(
            f"the backward pass of {op.describe()} produced {what} in the gradient of "
            f"its input {index} (input shapes {shapes}); the op was created {_site(op)}"
        )
