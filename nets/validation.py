"""Checks at the boundary of the nets API: bad input gets an error that names it."""
from __future__ import annotations

import numbers

import numpy as np

#: Learning rates above this are refused: gradient descent on this cost diverges
#: long before, and such a value is almost always a typo (an exponent dropped).
MAX_LEARNING_RATE = 100.0


def check_layer_dims(layer_dims) -> list[int]:
    """A list of at least two positive ints ending in 1 (one output probability)."""
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__iter__"):
        raise TypeError(f"layer_dims must be a list of positive integers, got {layer_dims!r}")
    dims = list(layer_dims)
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise TypeError(f"layer_dims must hold integers, got {d!r} in {dims!r}")
    dims = [int(d) for d in dims]
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs the input size and at least one layer, got {dims!r}")
    if any(d <= 0 for d in dims):
        raise ValueError(f"layer_dims must be positive, got {dims!r}")
    if dims[-1] != 1:
        raise ValueError(
            f"layer_dims must end in 1 (the binary classifier has one output unit), got {dims!r}"
        )
    return dims


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
        raise TypeError(f"learning_rate must be a real number, got {learning_rate!r}")
    rate = float(learning_rate)
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
    if rate > MAX_LEARNING_RATE:
        raise ValueError(f"learning_rate {learning_rate!r} is too large (more than {MAX_LEARNING_RATE:g})")
    return rate


def check_count(value, name: str, minimum: int) -> int:
    """An integer >= ``minimum`` (bools and floats such as 2.5 or 100.0 refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _real_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} cannot be read as a numeric array: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}")
    return array
