"""Functions built on the ops: a fused affine map, a sum of squares, and the binary cross-entropy cost in its two forms."""
from __future__ import annotations

import numpy as np

from . import ops
from .tensor import Tensor, apply, as_tensor


def _labels(Y, like: Tensor) -> Tensor:
    """Labels as a tensor; plain integer or bool labels take the float dtype of ``like``."""
    if not isinstance(Y, Tensor):
        Y = np.asarray(Y)
        if Y.dtype.kind in "biu" and like.dtype.kind == "f":
            Y = Y.astype(like.dtype)
    return as_tensor(Y, like=like)


def _check_pair(fn_name: str, first: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{fn_name}: {first} has shape {a.shape} but Y has shape {b.shape}; they must be equal"
        )


def affine(W, X, b) -> Tensor:
    """``W @ X + b`` as one op (2-D ``W`` and ``X``; ``b`` broadcast, e.g. a column).

    The same values and gradients as ``W @ X + b`` written with two ops, with
    one graph node and one temporary array less.
    """
    W = as_tensor(W)
    return apply(ops.Affine(), W, as_tensor(X, like=W), as_tensor(b, like=W))


def binary_cross_entropy(P, Y) -> Tensor:
    """The post's cost, built from graph ops: ``-(1/m) sum(Y log P + (1-Y) log(1-P))``.

    ``m`` is the number of columns (examples), ``P.shape[-1]``; for the post's
    ``(1, m)`` row this is the mean over the examples. This is the faithful
    path: every op is recorded and differentiated separately, exactly as the
    formula reads. A probability of exactly 0 or 1 on the wrong side gives
    ``log(0) = -inf`` and an infinite cost; on the right side it gives
    ``0 * log(0) = nan`` (numpy warns in both cases; see ``ops.Log``). Prefer :func:`binary_cross_entropy_with_logits` when the logits are at hand.
    """
    P = as_tensor(P)
    Y = _labels(Y, P)
    _check_pair("binary_cross_entropy", "P", P, Y)
    m = P.shape[-1] if P.ndim else 1
    # The same operation order as the post's compute_cost, so the value agrees bit for bit.
    return (Y * P.log() + (1 - Y) * (1 - P).log()).sum() * (-1 / m)


def binary_cross_entropy_with_logits(Z, Y) -> Tensor:
    """``binary_cross_entropy(sigmoid(Z), Y)`` as one fused, numerically stable op.

    Finite for any finite logits (``±1e4`` included), and its gradient with
    respect to ``Z`` is exactly ``(sigmoid(Z) - Y) / m``.
    """
    Z = as_tensor(Z)
    Y = _labels(Y, Z)
    _check_pair("binary_cross_entropy_with_logits", "Z", Z, Y)
    return apply(ops.BinaryCrossEntropyWithLogits(), Z, Y)


def sum_of_squares(*tensors, start=None) -> Tensor:
    """``start + ||t1||^2 + ||t2||^2 + ...`` (squares of every element, summed), as one op.

    ``start`` (default 0) is a scalar added first, so that a term known in
    another form (a norm computed without forming its matrix) keeps its place
    in the sum. An L2 penalty over all the weights of a network in one graph
    node; the same value and gradients as the sum written term by term.
    """
    if not tensors:
        raise ValueError("sum_of_squares: give at least one tensor")
    tensors = [as_tensor(t) for t in tensors]
    first = tensors[0]
    start = as_tensor(np.zeros((), dtype=first.dtype) if start is None else start, like=first)
    if start.shape not in ((), (1,), (1, 1)):
        raise ValueError(f"sum_of_squares: start must be a scalar, got shape {start.shape}")
    return apply(ops.SumOfSquares(), start, *tensors)
