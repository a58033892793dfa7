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


def layer_of(key: str) -> int:
    # dW3/db3 belong to layer 3; dA2 is produced by layer 3's backward step.
    n = int(key[2:])
    return n + 1 if key.startswith("dA") else n


EARLIER_KEYS = ("the earlier notebooks' gradient keys: grads['dA' + str(l + 1)] holds the gradient of A[l] "
                "(today's notebook stores it under 'dA' + str(l))")


def _shifted(grads: dict, L: int) -> dict:
    """``grads`` with the earlier notebooks' dA keys (dA1..dAL for A[0]..A[L-1]) renamed to today's."""
    renamed = {k: v for k, v in grads.items() if not (isinstance(k, str) and k.startswith("dA"))}
    for k in range(1, L + 1):
        if f"dA{k}" in grads:
            renamed[f"dA{k - 1}"] = grads[f"dA{k}"]
    return renamed


def _compare_all(grads: dict, net: Net, name: str):
    rows = {}
    first = None
    for l in range(net.L, 0, -1):
        for key in (f"dW{l}", f"db{l}", f"dA{l - 1}"):
            if key not in grads:
                if key.startswith("dA"):
                    continue
                rows[key] = Comparison(False, None, f"{name} returned no {key!r}")
            else:
                rows[key] = compare(key, grads[key], net.grads[key], m=net.m)
            if not rows[key].ok and first is None:
                first = l
    return rows, first


def judge_model_grads(grads: dict, net: Net, name: str, note=None):
    """Per-gradient comparisons from the output down, the first wrong layer and why.

    ``dW``/``db`` of every layer must be there; ``dA{l}`` is compared when the
    learner returns it (the post does, a pruned backward pass may not). The
    earlier notebooks stored the gradient of ``A[l]`` under ``dA{l+1}``: keys
    ``dA1``..``dAL`` and no ``dA0`` are read that way when fewer gradients
    disagree so (``note`` is told which convention was read).
    """
    earlier = f"dA{net.L}" in grads and "dA0" not in grads and net.L >= 1
    rows, first = _compare_all(grads, net, name)
    if earlier:
        shifted_rows, shifted_first = _compare_all(_shifted(grads, net.L), net, name)
        if sum(not c.ok for c in shifted_rows.values()) < sum(not c.ok for c in rows.values()):
            grads, rows, first = _shifted(grads, net.L), shifted_rows, shifted_first
            if note is not None:
                note(f"{name} was read with {EARLIER_KEYS}")
    if first is None:
        return rows, None, None
    return rows, first, diagnose_layer(grads, net, first) or next(
        (c.problem for k, c in rows.items() if layer_of(k) == first and not c.ok and c.problem), None)


def diagnose_layer(grads: dict, net: Net, l: int):
    """Why layer ``l``'s dW and db are wrong, when they are exactly right for some other input."""
    try:
        dW = np.asarray(grads[f"dW{l}"], dtype=float)
        db = np.asarray(grads[f"db{l}"], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None
    right = "sigmoid" if l == net.L else "relu"
    shape = net.Zs[l - 1].shape
    candidates = []
    for k in range(net.L, 0, -1):
        candidates.append((k, f"dA{k}", net.grads[f"dA{k}"]))
        theirs = grads.get(f"dA{k}")
        if isinstance(theirs, np.ndarray):
            candidates.append((k, f"dA{k}", theirs))

    def matches(upstream, activation, mask="right", **mistakes):
        if np.shape(upstream) != shape:
            return False
        cW, cb, _ = net.local_backward(l, upstream, activation, mask, **mistakes)
        return dW.shape == cW.shape and same(dW, cW) and db.shape == cb.shape and same(db, cb)

    for k, label, upstream in candidates:
        if k != l and matches(upstream, right):
            return f"layer {l} receives {label}, the gradient meant for layer {k}, instead of dA{l}"
    own = grads.get(f"dA{l}") if l < net.L else None
    upstream = net.grads[f"dA{l}"]
    if net.lambd:
        if matches(upstream, right, l2="none"):
            return f"dW{l} leaves out the L2 term lambd / m * W{l}"
        if matches(upstream, right, l2="nom"):
            return f"dW{l}'s L2 term is lambd * W{l}: a missing 1/m"
    if net.masks is not None and l < net.L:
        # The more specific mistake first: where every unit of a small case was kept,
        # a missing mask and a missing 1/keep_prob give the same numbers.
        if matches(upstream, right, dropout="noscale"):
            return f"layer {l} applies the mask D{l} to dA{l} but does not divide by keep_prob"
        if matches(upstream, right, dropout="nomask"):
            return f"layer {l} does not apply the dropout mask D{l} to dA{l} (nor divide by keep_prob)"
    if right == "relu":
        if matches(upstream, "relu", "inverted"):
            return f"layer {l}'s ReLU backward passes the gradient where Z <= 0 and blocks it where Z > 0"
        if matches(upstream, "relu", "none"):
            return f"layer {l}'s ReLU backward passes the gradient where Z <= 0"
        if matches(upstream, "sigmoid"):
            return f"layer {l} is a ReLU layer but backpropagates through sigmoid's derivative"
    elif matches(upstream, "relu"):
        return f"layer {l} is the sigmoid output layer but backpropagates through ReLU's derivative"
    if isinstance(own, np.ndarray) and matches(own, right):
        return f"layer {l} is right for the dA{l} it received, but that dA{l} is wrong"
    return None
