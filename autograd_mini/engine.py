"""The reverse pass: topological order, VJPs, unbroadcasting, accumulation."""
from __future__ import annotations

import numpy as np

from .anomaly import _AnomalyMode, check_backward
from .broadcast import sum_to_shape
from .grad_mode import enable_grad
from .op import GraphReleasedError
from .ops import cast, sum_to
from .tensor import Tensor


def topological_order(root, *more_roots) -> list:
    """Tensors that require grad and lead to ``root``, ``root`` first, each before its inputs.

    A tensor is always created after its inputs, so the reverse creation
    order (``_seq``) of the reachable tensors is a valid order. Finding them
    is an iterative walk (no recursion: a chain of any length works); a
    tensor reached along several paths appears once. With ``more_roots``,
    the tensors leading to any of the roots.
    """
    found = {id(root): root}
    stack = [root]
    for other in more_roots:
        if id(other) not in found:
            found[id(other)] = other
            stack.append(other)
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


def backward(root, grad=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the upstream gradient (default 1 for a one-element ``root``).
    Only tensors that require grad are visited, and an op computes only the
    VJPs of inputs that require grad, so constant data such as X costs nothing.
    Each VJP is summed back to its input's shape and cast to its dtype in one
    place (:func:`conform`). Unless ``retain_graph`` is true, every op's saved
    arrays are freed once its VJPs are computed; a second pass through it then
    raises :class:`GraphReleasedError`.

    With ``create_graph=True`` the VJPs are computed by recorded Tensor
    operations (each op's ``backward_graph``), and every ``.grad`` it fills is
    a Tensor whose graph leads back to the leaves: it can be differentiated
    again. ``retain_graph`` then defaults to True, as in PyTorch. With the
    default ``create_graph=False`` this function runs the plain-array pass
    below and nothing else: first derivatives pay nothing for the feature.
    """
    if create_graph:
        _backward_creating_graph(root, grad, True if retain_graph is None else retain_graph)
        return
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


# --------------------------------------------------------------------------- higher order


def _check_roots(fn_name: str, roots) -> None:
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"{fn_name}: outputs must be Tensors, got {type(root).__name__}")
        if not root.requires_grad:
            raise RuntimeError(
                f"{fn_name}: an output of shape {root.shape} does not require grad, so no graph "
                f"leads to it (create the leaves with requires_grad=True, outside no_grad())"
            )


def _initial_graph_grad(fn_name: str, root, grad) -> Tensor:
    """The upstream gradient of ``root`` as a Tensor (kept as it is when it already is one)."""
    if isinstance(grad, Tensor):
        if grad.shape != root.shape:
            raise ValueError(f"{fn_name}: gradient of shape {grad.shape} given for a tensor of shape {root.shape}")
        return cast(grad, root.dtype)
    return Tensor(_initial_grad(root, grad))


def conform_graph(op, index: int, vjp, like) -> Tensor:
    """:func:`conform` for a recorded VJP: the unbroadcasting and the cast are graph ops too."""
    if vjp.shape != like.shape:
        vjp = sum_to(vjp, like.shape)
    if vjp.dtype != like.dtype:
        vjp = cast(vjp, like.dtype)
    if _AnomalyMode.enabled:
        check_backward(op, index, vjp.data)
    return vjp


def _reverse_pass(roots, seeds, wanted, create_graph: bool, retain_graph: bool) -> dict:
    """Total gradients ``{id(tensor): gradient}`` of ``sum(seed * root)`` for the ``wanted`` tensors.

    The one loop behind :func:`grad` and ``backward(create_graph=True)``.
    Gradients are arrays, or with ``create_graph`` recorded Tensors (made with
    grad mode on whatever the caller's mode). Ops that lead to no wanted
    tensor are skipped: their VJPs would be thrown away.
    """
    order = topological_order(*roots)
    # A tensor is useful if it is wanted or an input of its op is useful:
    # one sweep from the leaves up (the order reversed).
    useful = set()
    for node in reversed(order):
        key = id(node)
        if key in wanted:
            useful.add(key)
        elif node.op is not None:
            for parent in node.op.inputs:
                if id(parent) in useful:
                    useful.add(key)
                    break
    pending = {}
    for root, seed in zip(roots, seeds):
        previous = pending.get(id(root))
        pending[id(root)] = seed if previous is None else previous + seed
    results = {}
    check = _AnomalyMode.enabled
    for node in order:
        key = id(node)
        g = pending.pop(key, None)
        if g is None or key not in useful:
            continue
        if key in wanted:
            results[key] = g
        op = node.op
        if op is None:
            continue
        if op.released:
            raise GraphReleasedError(
                f"the saved arrays of {op.describe()} were freed by an earlier backward pass; "
                f"pass retain_graph=True to the first one to go through the graph twice"
            )
        if create_graph:
            vjps = op.backward_graph(g, node)
        else:
            vjps = op.backward(g)
        for index, parent in enumerate(op.inputs):
            if not op.needs_input_grad[index] or id(parent) not in useful:
                continue
            if create_graph:
                vjp = conform_graph(op, index, vjps[index], parent)
            else:
                vjp = conform(op, index, vjps[index], parent.data, check)
            previous = pending.get(id(parent))
            pending[id(parent)] = vjp if previous is None else previous + vjp
        if not retain_graph:
            op.release()
    return results


def _backward_creating_graph(root, grad, retain_graph: bool) -> None:
    _check_roots("backward", (root,))
    owners = [
        t for t in topological_order(root) if t.op is None or t._retains_grad
    ]
    with enable_grad():
        seed = _initial_graph_grad("backward", root, grad)
        results = _reverse_pass((root,), (seed,), {id(t) for t in owners}, True, retain_graph)
        for tensor in owners:
            g = results.get(id(tensor))
            if g is None:
                continue
            previous = tensor.grad
            if previous is None:
                tensor.grad = g
            else:
                # An earlier plain-array gradient is a constant of the new graph.
                previous = previous if isinstance(previous, Tensor) else Tensor(previous)
                tensor.grad = previous + g


def _as_tuple(fn_name: str, what: str, value) -> tuple:
    if isinstance(value, Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise TypeError(f"{fn_name}: {what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}")


def grad(outputs, inputs, grad_outputs=None, create_graph: bool = False, retain_graph: bool | None = None,
         allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors.

    The semantics of ``torch.autograd.grad``: the result holds, for each of
    ``inputs``, ``d/d input of sum_i sum(grad_outputs[i] * outputs[i])``
    (``grad_outputs`` defaults to 1 for one-element outputs), and no ``.grad``
    is touched. ``inputs`` may be any tensors of the graph, not only leaves.

    * ``create_graph=True``: the gradients are recorded Tensors that can be
      differentiated again (to any order); otherwise they are constants.
    * ``retain_graph``: keep the ops' saved arrays for another pass; defaults
      to ``create_graph``.
    * ``allow_unused``: an input the outputs do not depend on gets ``None``
      instead of raising.
    """
    outputs = _as_tuple("grad", "outputs", outputs)
    inputs = _as_tuple("grad", "inputs", inputs)
    if not outputs or not inputs:
        raise ValueError("grad: outputs and inputs must not be empty")
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
    _check_roots("grad", outputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, (Tensor, np.ndarray)) else tuple(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"grad: {len(grad_outputs)} grad_outputs given for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    wanted = {id(t) for t in inputs}
    if create_graph:
        with enable_grad():
            seeds = [_initial_graph_grad("grad", o, g) for o, g in zip(outputs, grad_outputs)]
            results = _reverse_pass(outputs, seeds, wanted, True, retain_graph)
    else:
        seeds = [_initial_grad(o, g.data if isinstance(g, Tensor) else g) for o, g in zip(outputs, grad_outputs)]
        results = _reverse_pass(outputs, seeds, wanted, False, retain_graph)
    gradients = []
    for index, t in enumerate(inputs):
        g = results.get(id(t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {index} (shape {t.shape}) is not used to compute the outputs; "
                    f"pass allow_unused=True to get None for it"
                )
            gradients.append(None)
        elif create_graph:
            gradients.append(g)
        else:
            # A fresh array per input: a VJP may be shared (Add hands g to both sides).
            gradients.append(Tensor(np.array(g, copy=True)))
    return tuple(gradients)
