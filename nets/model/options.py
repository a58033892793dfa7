"""``fit``'s options checked in one place: precisions, costs, decays and every training option.

:func:`check_fit_options` is what ``BinaryClassifier.fit`` and the ``train``
job call before any work (the job before it touches a file), so that a bad
value is a ``ValueError`` or ``TypeError`` naming the argument.
"""
from __future__ import annotations

import numpy as np

from autograd_mini.optim import OPTIMIZERS, check_hyper_parameters

from ..validation import check_count, check_fraction, check_non_negative

DTYPES = {"float64": np.float64, "float32": np.float32}
COSTS = ("stable", "faithful")
DECAYS = (None, "inverse", "scheduled")


def dtype_name(dtype) -> str | None:
    """The numpy name of ``dtype``, or None when it is not a dtype at all (None included)."""
    if dtype is None:
        return None
    if isinstance(dtype, str):  # only the exact names: "float" or "f8" are not accepted spellings
        return dtype
    try:
        return np.dtype(dtype).name
    except (TypeError, ValueError):
        return None


def check_fit_options(iterations=None, epochs=None, batch_size=None, optimizer="gd", beta=0.9, beta1=0.9,
                      beta2=0.999, epsilon=1e-8, l2=0.0, keep_prob=1.0, decay=None, decay_rate=1.0,
                      decay_interval=1000, decay_lag=0, shuffle_seed=None, dropout_seed=None) -> dict:
    """Check ``fit``'s training options (see :meth:`BinaryClassifier.fit`); returns them normalised.

    ``steps`` in the result is the number of iterations (full batch) or epochs.
    A bad value is a ``ValueError`` or ``TypeError`` naming the argument.
    """
    if batch_size is None:
        if epochs is not None:
            raise ValueError(
                "epochs counts passes of mini-batches and needs batch_size; for full-batch "
                "training give iterations (each full-batch step is one pass)"
            )
        steps = 2500 if iterations is None else check_count(iterations, "iterations", 1)
    else:
        batch_size = check_count(batch_size, "batch_size", 1)
        if iterations is not None:
            raise ValueError(
                "iterations counts full-batch steps; with batch_size, training runs in epochs "
                "(passes over the data, each of ceil(m / batch_size) steps): give epochs instead"
            )
        if epochs is None:
            raise ValueError("with batch_size, give epochs: the number of passes over the training set")
        steps = check_count(epochs, "epochs", 1)
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, got {optimizer!r}")
    # Every hyper-parameter is checked, also those the chosen optimizer ignores.
    check_hyper_parameters(beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon)
    if decay not in DECAYS:
        raise ValueError(f"decay must be None, 'inverse' or 'scheduled', got {decay!r}")
    for name, function in (("shuffle_seed", shuffle_seed), ("dropout_seed", dropout_seed)):
        if function is not None and not callable(function):
            raise TypeError(f"{name} must be None or a function returning a seed, got {function!r}")
    return {
        "steps": steps, "batch_size": batch_size,
        "l2": check_non_negative(l2, "l2"),
        "keep_prob": check_fraction(keep_prob, "keep_prob"),
        "decay_rate": check_non_negative(decay_rate, "decay_rate"),
        "decay_interval": check_count(decay_interval, "decay_interval", 1),
        "decay_lag": check_count(decay_lag, "decay_lag", 0),
    }
