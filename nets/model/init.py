"""Weight initialisations, drawn exactly as the tutorial draws them.

Every scheme draws ``W[l]`` from ``np.random.RandomState(seed).randn``, layer by
layer, W before b (b is zeros), so that a seed gives the same numbers as the
tutorial's ``np.random.seed(seed)`` followed by its init function.
"""
from __future__ import annotations

import numpy as np

#: name -> (formula for the docs, function of (randn draw, fan_in) giving W)
INITS = {
    "small": ("randn * 0.01 (the post's initialize_parameters_deep)", lambda w, n: w * 0.01),
    "xavier": ("randn / sqrt(n[l-1]) (the tutorial's application)", lambda w, n: w / np.sqrt(n)),
    "he": ("randn * sqrt(2 / n[l-1])", lambda w, n: w * np.sqrt(2 / n)),
    # The course's two demonstrations of what goes wrong.
    "zeros": ("zeros (every unit of a layer identical, forever)", None),
    "large": ("randn * 10 (the course's 'random' initialisation)", lambda w, n: w * 10),
}


def initialize(layer_dims, init: str = "xavier", seed: int | None = 1, dtype=np.float64) -> dict:
    """``{"W1": ..., "b1": ..., ...}`` in the post's naming and shapes."""
    if init not in INITS:
        raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
    scale = INITS[init][1]
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        shape = (layer_dims[l], layer_dims[l - 1])
        W = np.zeros(shape) if scale is None else scale(rng.randn(*shape), layer_dims[l - 1])
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return parameters
