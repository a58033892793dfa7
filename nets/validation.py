"""Checks at the boundary of the nets API: bad input gets an error that names it."""
from __future__ import annotations

import numbers
from collections.abc import Mapping, Set

import numpy as np

#: Learning rates above this are refused: gradient descent on this cost diverges
#: long before, and such a value is almost always a typo (an exponent dropped).
MAX_LEARNING_RATE = 100.0

#: Networks with more weights and biases than this are refused before anything is
#: allocated (800 MB in float64; the tutorial's network has about 250 thousand):
#: a typo such as ``12288,200000000,1`` should be an error, not an out-of-memory kill.
MAX_PARAMETERS = 100_000_000


def check_layer_dims(layer_dims) -> list[int]:
    """A list of at least two positive ints ending in 1 (one output probability).

    The network may have at most :data:`MAX_PARAMETERS` weights and biases.
    """
    if (isinstance(layer_dims, (str, bytes, Mapping, Set)) or not hasattr(layer_dims, "__iter__")
            or (isinstance(layer_dims, np.ndarray) and layer_dims.ndim != 1)):
        raise TypeError(f"layer_dims must be a list of positive integers, got {_show(layer_dims)}")
    dims = list(layer_dims)
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise TypeError(f"layer_dims must hold integers, got {_show(d)} in {_short(dims)}")
    dims = [int(d) for d in dims]
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs the input size and at least one layer, got {dims!r}")
    if any(d <= 0 for d in dims):
        raise ValueError(f"layer_dims must be positive, got {_short(dims)}")
    if dims[-1] != 1:
        raise ValueError(
            f"layer_dims must end in 1 (the binary classifier has one output unit), got {_short(dims)}"
        )
    count = sum(n * (n_in + 1) for n_in, n in zip(dims, dims[1:]))
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"layer_dims {_short(dims)} would need {count:,} parameters; at most {MAX_PARAMETERS:,} are allowed"
        )
    return dims


def _show(value, limit: int = 80) -> str:
    """``repr(value)`` for a message: one line, at most ``limit`` characters, never an error."""
    try:
        text = " ".join(repr(value).split())
    except Exception:  # ints beyond Python's digit limit, broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _short(dims: list) -> str:
    """``dims`` for a message, with the middle of a very long list left out."""
    if len(dims) <= 12:
        return repr(dims)
    return f"[{', '.join(map(str, dims[:5]))}, ... ({len(dims) - 10} more), {', '.join(map(str, dims[-5:]))}]"


def check_X(X, n_x: int, name: str = "X") -> np.ndarray:
    """A finite real (features, examples) array with ``n_x`` rows and at least one column."""
    X = _real_array(X, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (features, examples), got shape {X.shape}")
    if X.shape[0] != n_x:
        raise ValueError(
            f"{name} has {X.shape[0]} features (rows) but the network's input layer has {n_x}; "
            f"X must be (features, examples) as in the post"
        )
    if X.shape[1] == 0:
        raise ValueError(f"{name} has zero examples (columns)")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return X


def check_Y(Y, m: int, name: str = "Y") -> np.ndarray:
    """Labels in {0, 1} of shape (1, m) (or (m,), reshaped to (1, m))."""
    Y = _real_array(Y, name)
    if Y.shape == (m,):
        Y = Y.reshape(1, m)
    if Y.shape != (1, m):
        raise ValueError(f"{name} must have shape (1, {m}) to match X's {m} examples, got {Y.shape}")
    if not np.isin(Y, (0, 1)).all():
        bad = np.unique(Y[~np.isin(Y, (0, 1))])[:5]
        raise ValueError(f"{name} must hold only the labels 0 and 1, found {bad.tolist()}")
    return Y


def check_learning_rate(learning_rate) -> float:
    if isinstance(learning_rate, (bool, np.bool_)) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(f"learning_rate must be a real number, got {_show(learning_rate)}")
    try:
        rate = float(learning_rate)
    except OverflowError:  # an int or Fraction beyond float's range
        rate = float("inf") if learning_rate > 0 else float("-inf")
    if rate == float("inf"):
        raise ValueError(f"learning_rate {_show(learning_rate)} is too large (more than {MAX_LEARNING_RATE:g})")
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"learning_rate must be a positive finite number, got {_show(learning_rate)}")
    if rate > MAX_LEARNING_RATE:
        raise ValueError(f"learning_rate {_show(learning_rate)} is too large (more than {MAX_LEARNING_RATE:g})")
    return rate


def check_count(value, name: str, minimum: int) -> int:
    """An integer >= ``minimum`` (bools and floats such as 2.5 or 100.0 refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {_show(value)}")
    return int(value)


def _real_number(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def check_non_negative(value, name: str) -> float:
    """A finite real number >= 0 (``l2``, ``decay_rate``)."""
    number = _real_number(value, name)
    if not (np.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {_show(value)}")
    return number


def check_fraction(value, name: str) -> float:
    """A real number in (0, 1] (``keep_prob``)."""
    number = _real_number(value, name)
    if not (0 < number <= 1):
        raise ValueError(f"{name} must be in (0, 1] (the probability of keeping a unit), got {_show(value)}")
    return number


def _real_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} cannot be read as a numeric array: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}")
    return array
