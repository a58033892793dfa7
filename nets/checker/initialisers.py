"""Judging an initialiser: the structure of what it returns, and the scale of its draws.

The course's initialisers draw ``np.random.randn(n[l], n[l-1])`` layer by
layer from numpy's global generator (b is zeros, drawn from nothing), usually
after a ``np.random.seed(...)`` of their own (1, 2 or 3 depending on the
notebook). The audit seeds the generator itself right before the call
(``learner.call(..., seed=s)``) and reproduces the draws: for the audit's
seed and for the course's in-function seeds, the returned ``W[l]`` is compared
with ``randn(...) * f`` for the least-squares factor ``f``. Where the draws
reproduce, the factor is known exactly and judged against the scales the
assignment allows (``0.01``; ``1/sqrt(n[l-1])``; ``sqrt(2/n[l-1])``...): a
``0.001`` is caught on any shape. Where they do not (the learner's own
generator), the scale is judged from the standard deviation, and only on
matrices large enough for it to mean something (``STATISTIC_SIZE`` entries).
"""
from __future__ import annotations

import numpy as np

from .core import Malformed, dict_of_arrays
from .diagnose import compare

__all__ = ["COURSE_SEEDS", "STATISTIC_SIZE", "judge_initialiser"]

COURSE_SEEDS = (1, 2, 3)
STATISTIC_SIZE = 2000  # entries of W from which a standard deviation is within a few % of the scale
RELATIVE = 1e-6


def _draws(seed, dims, with_b=False):
    rs = np.random.RandomState(seed)
    out = []
    for l in range(1, len(dims)):
        out.append(rs.randn(dims[l], dims[l - 1]))
        if with_b:
            rs.randn(dims[l], 1)
    return out


def _factor(W, Z):
    denominator = float(np.sum(Z * Z))
    if denominator == 0:
        return None
    f = float(np.sum(W * Z)) / denominator
    if np.allclose(W, Z * f, rtol=1e-9, atol=1e-300) and np.max(np.abs(W - Z * f), initial=0.0) <= \
            1e-9 * max(np.max(np.abs(W), initial=0.0), 1e-300):
        return f
    return None


def structure(parameters, dims, name, biases_zero=True):
    """The parameters' keys, shapes, finiteness, zero biases and broken symmetry; W's as float arrays."""
    parameters = dict_of_arrays(name, parameters, "parameters")
    expected = {f"{p}{l}" for l in range(1, len(dims)) for p in "Wb"}
    if set(parameters) != expected:
        raise Malformed(f"{name} returned keys {sorted(parameters)}, expected {sorted(expected)}")
    weights = []
    for l in range(1, len(dims)):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        for key, value, shape in ((f"W{l}", W, (dims[l], dims[l - 1])), (f"b{l}", b, (dims[l], 1))):
            c = compare(key, value, np.zeros(shape))  # shape and type only: values are judged below
            if c.problem and ("shape" in c.problem or "expected a numpy" in c.problem or "dtype" in c.problem):
                raise Malformed(c.problem)
        W, b = np.asarray(W, float), np.asarray(b, float)
        if not np.all(np.isfinite(W)):
            raise Malformed(f"W{l} contains nan or inf")
        if biases_zero and np.any(b != 0):
            raise Malformed(f"b{l} is not zeros (the course starts every bias at 0)")
        weights.append(W)
    return weights


def judge_initialiser(case, weights, dims, seed, scales, name):
    """Judge the scale of ``weights`` (W1, W2, ...) drawn after ``np.random.seed(seed)``.

    ``scales``: (description, factor(n_prev)) pairs the assignment allows.
    Raises :class:`Malformed` with what the factor is when it is none of them.
    """
    for l, W in enumerate(weights, start=1):
        if W.size > 1 and np.all(W == W.flat[0]):
            raise Malformed(f"every entry of W{l} is {W.flat[0]:g}: the units of layer {l} all "
                            f"compute the same thing and stay identical (symmetry is never broken)")
    for s in (seed,) + COURSE_SEEDS:
        for with_b in (False, True):
            factors = [_factor(W, Z) for W, Z in zip(weights, _draws(s, dims, with_b))]
            if all(f is not None for f in factors):
                _judge_factors(factors, dims, scales, name)
                return
    # Not numpy's global draws in the course's order: the scale, where the statistic means something.
    for l, W in enumerate(weights, start=1):
        if W.size < STATISTIC_SIZE:
            continue
        measured = float(np.std(W))
        if not any(abs(measured / factor(dims[l - 1]) - 1) < 0.1 for _, factor in scales):
            allowed = " or ".join(f"{text} = {factor(dims[l - 1]):.3g}" for text, factor in scales)
            raise Malformed(f"W{l} ({W.shape[0]}x{W.shape[1]}) has standard deviation {measured:.3g}: "
                            f"expected {allowed}")


def _judge_factors(factors, dims, scales, name):
    for text, factor in scales:
        if all(abs(f - factor(dims[l - 1])) <= RELATIVE * abs(factor(dims[l - 1]))
               for l, f in enumerate(factors, start=1)):
            return
    l, f = 1, factors[0]
    for l, f in enumerate(factors, start=1):  # the first layer no allowed scale explains
        if not any(abs(f - factor(dims[l - 1])) <= RELATIVE * abs(factor(dims[l - 1])) for _, factor in scales):
            break
    n_prev, n = dims[l - 1], dims[l]
    named = [(0.001, "0.001"), (0.01, "0.01"), (0.1, "0.1"), (1.0, "1 (no scaling)"), (10.0, "10"),
             (np.sqrt(2 / n_prev), f"sqrt(2 / {n_prev}) (He, with the previous layer's size)"),
             (1 / np.sqrt(n_prev), f"1 / sqrt({n_prev}) (with the previous layer's size)")]
    if n != n_prev:
        named += [(np.sqrt(2 / n), f"sqrt(2 / {n}): the layer's own size, not the previous layer's {n_prev}"),
                  (1 / np.sqrt(n), f"1 / sqrt({n}): the layer's own size, not the previous layer's {n_prev}")]
    what = next((label for value, label in named if abs(f - value) <= RELATIVE * value), f"{f:.4g}")
    allowed = " or ".join(text for text, _ in scales)
    raise Malformed(f"{name} scales W{l}'s draws by {what}: expected {allowed}")
