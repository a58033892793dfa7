"""The reverse pass: topological order, VJPs, unbroadcasting, accumulation."""
from __future__ import annotations

import numpy as np

from .anomaly import _AnomalyMode, check_backward
from .broadcast import sum_to_shape
from .op import GraphReleasedError
from .tensor import Tensor


def topological_order(root) -> list:
    """Tensors that require grad and lead to ``root``, ``root`` first, each before its inputs.

    A tensor is always created after its inputs, so the reverse creation
    order (``_seq``) of the reachable tensors is a valid order. Finding them
    is an iterative walk (no recursion: a chain of any length works); a
    tensor reached along several paths appears once.
    """
    found = {id(root): root}
    stack = [root]
    while stack:
        op = stack.pop().op
        if op is not None:
            for parent in op.inputs:
                if parent.requires_grad and id(parent) not in found:
                    found[id(parent)] = parent
                    stack.append(parent)
    return sorted(found.values(), key=_creation_number, reverse=True)


def _creation_number(tensor) -> int:
    return tensor._seq


def _initial_grad(root, grad) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a tensor of shape {root.shape} needs an explicit gradient "
                f"of the same shape; only a one-element tensor defaults to 1"
            )
        return np.ones(root.shape, dtype=root.dtype)
    grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
    if grad.shape != root.shape:
        raise ValueError(f"backward: gradient of shape {grad.shape} given for a tensor of shape {root.shape}")
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"backward: the gradient must be real numbers, got dtype {grad.dtype}")
    return grad.astype(root.dtype, copy=False)


def conform(op, index: int, vjp, like: np.ndarray, check: bool) -> np.ndarray:
    """The VJP of ``op``'s input ``index`` as an array of that input's shape and dtype.

    The one place where broadcasting is undone (:func:`sum_to_shape`) and the
    dtype is restored; eager backward() and Replay both go through it.
    """
    if type(vjp) is not np.ndarray:
        vjp = np.asarray(vjp)
    if vjp.shape != like.shape:
        vjp = sum_to_shape(vjp, like.shape)
    if vjp.dtype != like.dtype:
        vjp = vjp.astype(like.dtype)
    if check:
        check_backward(op, index, vjp)
    return vjp


def store_grad(tensor, g: np.ndarray, stored: set) -> None:
    """Accumulate ``g`` into ``tensor.grad``, copying where memory would be shared.

    ``stored`` holds the ids of arrays already handed out as some ``.grad`` in
    this pass: a second tensor receiving the same array (Add passes its
    gradient to both inputs) or a view gets a copy, so that no two ``.grad``
    attributes ever share memory.
    """
    if not g.flags.owndata or id(g) in stored:
        g = g.copy()
    stored.add(id(g))
    tensor.grad = g if tensor.grad is None else tensor.grad + g


def backward(root, grad=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the upstream gradient (default 1 for a one-element ``root``).
    Only tensors that require grad are visited, and an op computes only the
    VJPs of inputs that require grad, so constant data such as X costs nothing.
    Each VJP is summed back to its input's shape and cast to its dtype in one
    place (:func:`conform`). Unless ``retain_graph`` is true, every op's saved
    arrays are freed once its VJPs are computed; a second pass through it then
    raises :class:`GraphReleasedError`.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad, so no graph leads to it "
            "(create the leaves with requires_grad=True, outside no_grad())"
        )
    initial = _initial_grad(root, grad)
    pending = {id(root): initial}
    # The caller's own gradient array counts as handed out: never alias it.
    stored = {id(initial)} if grad is not None else set()
    check = _AnomalyMode.enabled

    for node in topological_order(root):
        g = pending.pop(id(node), None)
        if g is None:
            continue
        op = node.op
        if op is None or node._retains_grad:
            store_grad(node, g, stored)
            if op is None:
                continue
        if op.released:
            raise GraphReleasedError(
                f"backward: the saved arrays of {op.describe()} were freed by an earlier "
                f"backward(); call the first backward(retain_graph=True) to go through "
                f"the graph twice"
            )
        vjps = op.backward(g)
        for index, parent in enumerate(op.inputs):
            if not op.needs_input_grad[index]:
                continue
            vjp = conform(op, index, vjps[index], parent.data, check)
            key = id(parent)
            previous = pending.get(key)
            pending[key] = vjp if previous is None else previous + vjp
        if not retain_graph:
            op.release()
