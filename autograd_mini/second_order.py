"""Second derivatives of a scalar function, built on :func:`autograd_mini.grad`.

Both helpers take ``fn(*inputs) -> one-element Tensor`` and the point to
evaluate at (Tensors or arrays). They differentiate fresh float copies of the
inputs, so the caller's tensors, their ``.grad`` and any graph they belong to
are left alone.
"""
from __future__ import annotations

import numpy as np

from .engine import grad
from .tensor import Tensor


def _leaves(fn_name: str, inputs) -> tuple[tuple, bool]:
    """Fresh leaves with the inputs' values, and whether a single input (not a sequence) was given."""
    single = not isinstance(inputs, (list, tuple))
    values = (inputs,) if single else tuple(inputs)
    if not values:
        raise ValueError(f"{fn_name}: inputs must not be empty")
    leaves = []
    for value in values:
        data = value.data if isinstance(value, Tensor) else np.asarray(value)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{fn_name}: inputs must be real numbers, got dtype {data.dtype}")
        leaves.append(Tensor(np.array(data, dtype=np.result_type(data.dtype, np.float32)), requires_grad=True))
    return tuple(leaves), single


def _scalar(fn_name: str, fn, leaves) -> Tensor:
    out = fn(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fn_name}: fn must return a Tensor, got {type(out).__name__}")
    if out.size != 1:
        raise ValueError(f"{fn_name}: fn must return one element (a cost), got shape {out.shape}")
    return out


def _first_gradients(fn_name, fn, leaves):
    out = _scalar(fn_name, fn, leaves)
    if not out.requires_grad:  # fn ignores its inputs: every derivative is zero
        return out, None
    return out, grad(out, leaves, create_graph=True, allow_unused=True)


def hvp(fn, inputs, vectors):
    """``(fn(*inputs), H v)``: the value and the Hessian-vector product at ``inputs``.

    ``H`` is the Hessian of ``fn`` with respect to all inputs together and
    ``v`` the ``vectors`` (one per input, each of its input's shape). Two
    reverse passes, never the Hessian itself: the first records the gradient
    ``g(x)`` as a graph, the second differentiates ``sum_i <g_i(x), v_i>``,
    whose gradient is ``H v``. The cost is a small multiple of one gradient.

    ``inputs`` and ``vectors`` are a Tensor/array each or sequences of the same
    length; the product comes back in the same form, as Tensors (constants).
    """
    leaves, single = _leaves("hvp", inputs)
    vecs = (vectors,) if single and not isinstance(vectors, (list, tuple)) else tuple(vectors)
    if len(vecs) != len(leaves):
        raise ValueError(f"hvp: {len(vecs)} vectors given for {len(leaves)} inputs")
    vecs = [np.asarray(v.data if isinstance(v, Tensor) else v, dtype=x.dtype) for v, x in zip(vecs, leaves)]
    for i, (v, x) in enumerate(zip(vecs, leaves)):
        if v.shape != x.shape:
            raise ValueError(f"hvp: vector {i} has shape {v.shape} but its input has shape {x.shape}")
    out, gradients = _first_gradients("hvp", fn, leaves)
    products = [None] * len(leaves)
    if gradients is not None:
        terms = [(g * Tensor(v)).sum() for g, v in zip(gradients, vecs) if g is not None]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        if total.requires_grad:  # a linear fn has a gradient that is constant in x
            products = list(grad(total, leaves, allow_unused=True))
    products = tuple(
        Tensor(np.zeros_like(x.data)) if p is None else p for p, x in zip(products, leaves)
    )
    value = Tensor(out.data)
    return value, (products[0] if single else products)


def hessian(fn, inputs):
    """The dense Hessian of ``fn`` at ``inputs``, for small inputs.

    One Hessian-vector product per input element (a row at a time). For a
    single input of shape ``s`` the result is an array of shape ``s + s``;
    for a sequence of inputs, a tuple of tuples with block ``[i][j]`` of shape
    ``inputs[i].shape + inputs[j].shape``, as ``torch.autograd.functional.hessian``.
    """
    leaves, single = _leaves("hessian", inputs)
    out, gradients = _first_gradients("hessian", fn, leaves)
    blocks = [[np.zeros(a.shape + b.shape, dtype=a.dtype) for b in leaves] for a in leaves]
    if gradients is not None:
        for i, g in enumerate(gradients):
            if g is None or not g.requires_grad:
                continue
            for k in range(g.size):
                # Row k of block row i: the gradient of one gradient element,
                # picked by a one-hot upstream gradient.
                index = np.unravel_index(k, g.shape) if g.ndim else ()
                onehot = np.zeros(g.shape, dtype=g.dtype)
                onehot[index] = 1
                row = grad(g, leaves, grad_outputs=onehot, retain_graph=True, allow_unused=True)
                for j, r in enumerate(row):
                    if r is not None:
                        blocks[i][j][index] = r.data
    if single:
        return blocks[0][0]
    return tuple(tuple(row) for row in blocks)

