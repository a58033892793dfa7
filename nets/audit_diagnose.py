"""Comparing a learner's array with the reference, and naming the usual mistakes.

The mistakes learners make in the post's functions have signatures: a missing
``1/m`` makes a gradient exactly ``m`` times too large, a forgotten transpose
gives the reference's transpose, a sign error gives its negative. Each is
recognised here by testing the learner's array against the reference
transformed that way, so a diagnosis is only given when it explains the
numbers exactly (to the comparison's tolerance), never as a guess.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TOLERANCE", "Comparison", "compare", "relative_error", "same"]

# Hand-written float64 code and the engine differ by rounding only (~1e-15);
# anything a real mistake produces is many orders larger.
TOLERANCE = 1e-7


def relative_error(got: np.ndarray, ref: np.ndarray) -> float:
    """Largest absolute difference over the largest magnitude of the two (0 when both are 0)."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    scale = max(float(np.max(np.abs(ref), initial=0.0)), float(np.max(np.abs(got), initial=0.0)))
    diff = float(np.max(np.abs(got - ref), initial=0.0))
    if not np.isfinite(diff):
        return float("inf")
    return 0.0 if diff == 0.0 else diff / scale


def same(got, ref) -> bool:
    got = np.asarray(got)
    ref = np.asarray(ref)
    return got.shape == ref.shape and relative_error(got, ref) <= TOLERANCE


class Comparison:
    """The verdict on one array: ``ok``, ``error`` (relative, None when it could not be
    compared, e.g. a wrong shape) and ``problem`` (what is wrong, in words, or None)."""

    def __init__(self, ok: bool, error: float | None, problem: str | None):
        self.ok = ok
        self.error = error
        self.problem = problem


def _as_array(value):
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    return None


def compare(what: str, got, ref, m: int | None = None, scalar: bool = False) -> Comparison:
    """Compare the learner's ``got`` with the reference ``ref`` and explain a difference.

    ``what`` names the value in messages ("dW", "the cost"); ``m`` is the number
    of examples, for the 1/m diagnoses; ``scalar``: any one-element array counts
    as the number it holds (the post squeezes its cost, some learners don't).
    """
    ref = np.asarray(ref, dtype=np.float64)
    array = _as_array(got)
    if array is None:
        return Comparison(False, None, f"{what} is a {type(got).__name__}, expected a numpy array"
                          + (f" of shape {ref.shape}" if ref.ndim else " or a number"))
    if array.dtype.kind not in "biuf":
        return Comparison(False, None, f"{what} has dtype {array.dtype}, expected numbers")
    array = array.astype(np.float64)
    if scalar and array.size == 1:
        array = array.reshape(())
        ref = ref.reshape(())
    if array.shape != ref.shape:
        if array.shape == ref.T.shape and array.ndim == 2:
            return Comparison(False, None, f"{what} is the transpose: shape {array.shape}, expected {ref.shape}"
                              + ("" if same(array, ref.T) else " (and its values differ too)"))
        return Comparison(False, None, f"{what} has shape {array.shape}, expected {ref.shape}")
    if not np.all(np.isfinite(array)) and np.all(np.isfinite(ref)):
        return Comparison(False, None, f"{what} contains nan or inf where the reference is finite")
    error = relative_error(array, ref)
    if error <= TOLERANCE:
        return Comparison(True, error, None)
    return Comparison(False, error, explain(what, array, ref, m))


def explain(what: str, got: np.ndarray, ref: np.ndarray, m: int | None) -> str | None:
    """The usual mistake that turns ``ref`` into ``got`` exactly, or None."""
    if not np.any(ref) and np.any(got):
        return f"{what} should be all zeros"
    if same(got, -ref):
        return f"{what} has the wrong sign"
    if ref.ndim == 2 and ref.shape[0] == ref.shape[1] and same(got, ref.T):
        return f"{what} is the transpose of what it should be"
    if m is not None and m > 1:
        if same(got, ref * m):
            return f"{what} is m = {m} times too large (a missing 1/m)"
        if same(got, ref / m):
            return f"{what} is m = {m} times too small (a 1/m too many)"
        if same(got, -ref * m):
            return f"{what} has the wrong sign and is m = {m} times too large (a missing 1/m)"
    if not np.any(got) and np.any(ref):
        return f"{what} is all zeros"
    # A constant factor other than m (e.g. a 1/2, or a learning rate applied twice).
    flat_ref = ref.ravel()
    k = int(np.argmax(np.abs(flat_ref)))
    if flat_ref[k] != 0:
        factor = got.ravel()[k] / flat_ref[k]
        if factor != 0 and np.isfinite(factor) and same(got, ref * factor):
            return f"{what} is {factor:.4g} times what it should be"
    return None
