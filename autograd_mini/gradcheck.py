"""Checking backward() against central finite differences."""
from __future__ import annotations

import numpy as np

from .grad_mode import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """backward() and the central difference disagree for some element of some input."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Compare the gradients of ``fn(*inputs)`` from backward() with central differences.

    Everything runs on float64 copies of ``inputs`` (the originals are left
    untouched). A one-element output is differentiated directly; any other
    output is first reduced to ``sum(out * r)`` with a fixed random ``r``, so
    that every output element takes part. For each input that requires grad
    and each of its elements, ``(f(x + eps) - f(x - eps)) / (2 eps)`` must equal
    the backward gradient within ``atol + rtol * |numeric|``.

    Returns True, or raises :class:`GradcheckError` naming the input, the
    element and both values.
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    if not all(isinstance(t, Tensor) for t in inputs):
        raise TypeError("gradcheck: inputs must be Tensors")
    if not any(t.requires_grad for t in inputs):
        raise ValueError("gradcheck: no input requires grad, there is nothing to check")
    work = tuple(
        Tensor(np.array(t.data, dtype=np.float64, copy=True), requires_grad=t.requires_grad, name=t.name)
        for t in inputs
    )

    out = fn(*work)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    weights = None if out.size == 1 else np.random.RandomState(seed).standard_normal(out.shape)

    def value(result: Tensor) -> float:
        return float(result.data.sum() if weights is None else np.sum(result.data * weights))

    out.backward(None if weights is None else weights)

    for i, t in enumerate(work):
        if not t.requires_grad:
            continue
        analytic = t.grad if t.grad is not None else np.zeros_like(t.data)
        flat = t.data.reshape(-1)  # a view: t.data is a fresh contiguous copy
        for j in range(flat.size):
            original = flat[j]
            with no_grad():
                flat[j] = original + eps
                plus = value(fn(*work))
                flat[j] = original - eps
                minus = value(fn(*work))
            flat[j] = original
            numeric = (plus - minus) / (2 * eps)
            exact = float(analytic.reshape(-1)[j])
            if not abs(exact - numeric) <= atol + rtol * abs(numeric):
                where = np.unravel_index(j, t.shape) if t.ndim else ()
                label = f" ({t.name!r})" if t.name else ""
                raise GradcheckError(
                    f"gradcheck: input {i}{label} of shape {t.shape}, element {tuple(int(k) for k in where)}: "
                    f"backward gives {exact!r}, the central difference gives {numeric!r}"
                )
    return True
