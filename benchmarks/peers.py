"""One training step of the post's L-layer classifier, written in each peer framework.

The network is the post's ``[LINEAR->RELU] x (L-1) -> LINEAR -> SIGMOID`` with the post's
shapes (X is ``(n_x, m)``, Y is ``(1, m)``, ``W<l>`` is ``(n_l, n_{l-1})``, ``b<l>`` is
``(n_l, 1)``) and the post's composite cost, sigmoid first and then the logs::

    cost = -(1/m) * sum(Y * log(AL) + (1 - Y) * log(1 - AL))

Every peer uses that same composite cost (not its framework's fused BCE-with-logits), so the
peers compute the same numbers as the post and as ``nets`` on its faithful path, and a timing
compares like with like. Each step is: forward, cost, backward, plain gradient descent
``p <- p - learning_rate * dp``.

Each peer has a factory ``make_step_<peer>(params, X, Y, learning_rate, dtype)``. It copies the
parameters, X and Y into the peer's own state (the caller's dict is never mutated) and returns a
callable ``step``. ``step()`` performs one training step in place on that state, on the
factory's X and Y, and returns the cost (computed before the update) as a Python float.
``step(X_batch, Y_batch)`` performs the step on those arrays instead (a mini-batch: the cost is
the mean over the batch's examples, as the course's ``compute_cost`` of a mini-batch); they are
used as given, converted only when their dtype is not the step's (no copy otherwise, and their
memory order is kept), so the caller draws and gathers the batches (for example with
``nets.manual.random_mini_batches``) and the peer's time includes only what the peer does with
them. ``step.get_params()`` returns the current parameters as a fresh dict of numpy arrays in
the post's naming.

Each peer is written the way a competent user of that framework would write it:

- ``autograd`` (HIPS): ``autograd.numpy`` functions of a parameter list,
  ``value_and_grad``, in-place numpy update. Sigmoid and ReLU are the post's formulas
  (``1/(1+exp(-Z))`` and ``maximum(0, Z)``); autograd splits the gradient of ``maximum`` at an
  exact tie (Z == 0), which random data never hits.
- ``mygrad``: ``mygrad.Tensor`` parameters, ``mygrad.nnet`` activations, ``cost.backward()``,
  update in place under ``mygrad.no_autodiff`` (the mode in which MyGrad's in-place ops are
  cheap). MyGrad drops a tensor's gradient when it joins a new graph, so nothing to reset.
- ``torch``: eager mode on the CPU with the default thread count; leaf tensors with
  ``requires_grad``, ``loss.backward()``, update with ``p.add_(p.grad, alpha=-lr)`` under
  ``torch.no_grad()`` (as ``torch.optim.SGD`` does), then ``p.grad = None``.
- ``jax``: the whole step (``value_and_grad`` and the update) under one ``jax.jit``, parameters
  donated so XLA can update their buffers in place; the state stays as device arrays between
  calls. For float64 the factory turns on ``jax_enable_x64``; that switch is process-wide and is
  left on.

``PEERS`` maps names to factories, ``available_peers()`` lists the peers that import here,
``peer_unavailable_reason(name)`` says why one does not, ``versions()`` gives the installed
versions and ``blas(name)`` what does a peer's matrix products (torch links its own BLAS, which
threadpoolctl does not see). No peer is imported when this module is imported.
"""
from __future__ import annotations

import functools
import importlib
import importlib.metadata
from typing import Callable, Protocol

import numpy as np

__all__ = [
    "PEERS",
    "PeerStep",
    "available_peers",
    "blas",
    "make_step_autograd",
    "make_step_jax",
    "make_step_mygrad",
    "make_step_torch",
    "peer_unavailable_reason",
    "versions",
]


class PeerStep(Protocol):
    """What a factory returns: one training step per call, returning the cost."""

    def __call__(self, X: np.ndarray | None = None, Y: np.ndarray | None = None) -> float: ...

    def get_params(self) -> dict[str, np.ndarray]: ...


# What each peer needs: the modules it imports, in order, which are also the distributions
# whose versions describe it.
_PEER_PACKAGES = {
    "autograd": ("autograd",),
    "mygrad": ("mygrad",),
    "torch": ("torch",),
    "jax": ("jax", "jaxlib"),
}


# ---------------------------------------------------------------------------------------------
# Shared preparation


def _float_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _prepare(params, X, Y, dtype):
    """Check the post's naming and shapes; return (names, fresh arrays, X, Y) in ``dtype``.

    Names come back in the order W1, b1, W2, b2, ..., WL, bL. Every returned array is a new
    copy, so a peer may update it in place or lock it without touching the caller's. The
    parameters are C-contiguous; X and Y keep the caller's layout (the loaded cat data is
    Fortran-ordered), so that every contender multiplies the same layout: torch, for one,
    ran the tutorial step about 15% faster on the Fortran-ordered X than on a C copy.
    """
    dt = _float_dtype(dtype)
    if len(params) == 0 or len(params) % 2:
        raise ValueError("params must hold W1, b1, ..., WL, bL")
    n_layers = len(params) // 2
    names = [f"{kind}{layer}" for layer in range(1, n_layers + 1) for kind in ("W", "b")]
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"params is missing {missing}; expected {names}")

    X = np.array(X, dtype=dt, order="K", copy=True)
    Y = np.array(Y, dtype=dt, order="K", copy=True)
    if X.ndim != 2 or Y.ndim != 2 or Y.shape != (1, X.shape[1]):
        raise ValueError(f"X must be (n_x, m) and Y (1, m); got {X.shape} and {Y.shape}")
    arrays = [np.array(params[name], dtype=dt, order="C", copy=True) for name in names]
    rows = X.shape[0]
    for layer in range(n_layers):
        W, b = arrays[2 * layer], arrays[2 * layer + 1]
        if W.ndim != 2 or W.shape[1] != rows or b.shape != (W.shape[0], 1):
            raise ValueError(
                f"layer {layer + 1}: W {W.shape} and b {b.shape} do not follow a layer of "
                f"{rows} units"
            )
        rows = W.shape[0]
    if rows != 1:
        raise ValueError(f"the last layer must have one unit, it has {rows}")
    return names, arrays, X, Y


def _batch(X, Y, dt: np.dtype, n_x: int):
    """A caller's batch for ``step(X, Y)``: in the step's dtype (no copy when it already is), checked."""
    X = np.asarray(X, dtype=dt)
    Y = np.asarray(Y, dtype=dt)
    if X.ndim != 2 or X.shape[0] != n_x or Y.shape != (1, X.shape[1]):
        raise ValueError(f"a batch must be X ({n_x}, b) and Y (1, b); got {X.shape} and {Y.shape}")
    return X, Y


def _attach(step: Callable[..., float], get_params: Callable[[], dict]) -> PeerStep:
    step.get_params = get_params  # type: ignore[attr-defined]
    return step  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# HIPS autograd


def make_step_autograd(params, X, Y, learning_rate, dtype=np.float64) -> PeerStep:
    """One training step with HIPS autograd: ``value_and_grad`` of the cost, numpy update."""
    import autograd.numpy as anp
    from autograd import value_and_grad

    names, state, X, Y = _prepare(params, X, Y, dtype)
    lr = float(learning_rate)
    n_layers = len(state) // 2

    def cost_of(state, X, Y):
        A = X
        for layer in range(n_layers - 1):
            A = anp.maximum(0, state[2 * layer] @ A + state[2 * layer + 1])
        ZL = state[-2] @ A + state[-1]
        AL = 1 / (1 + anp.exp(-ZL))
        return (-1.0 / X.shape[1]) * anp.sum(Y * anp.log(AL) + (1 - Y) * anp.log(1 - AL))

    # Differentiates with respect to the first argument (the parameters) only.
    cost_and_grads = value_and_grad(cost_of)

    def step(X_batch=None, Y_batch=None) -> float:
        Xs, Ys = (X, Y) if X_batch is None else _batch(X_batch, Y_batch, X.dtype, X.shape[0])
        cost, grads = cost_and_grads(state, Xs, Ys)
        for p, g in zip(state, grads):
            p -= lr * g
        return float(cost)

    def get_params():
        return {name: p.copy() for name, p in zip(names, state)}

    return _attach(step, get_params)


# ---------------------------------------------------------------------------------------------
# MyGrad


def make_step_mygrad(params, X, Y, learning_rate, dtype=np.float64) -> PeerStep:
    """One training step with MyGrad: tensors, ``backward()``, update under ``no_autodiff``."""
    import mygrad as mg
    from mygrad.nnet.activations import relu, sigmoid

    names, arrays, X, Y = _prepare(params, X, Y, dtype)
    lr = float(learning_rate)
    state = [mg.Tensor(a) for a in arrays]
    hidden = [(state[i], state[i + 1]) for i in range(0, len(state) - 2, 2)]
    W_last, b_last = state[-2], state[-1]
    # MyGrad turns a Python scalar into a 0-d int64/float64 array, which would promote a
    # float32 graph to float64; scalars of the working dtype keep it in float32.
    one = X.dtype.type(1)

    def step(X_batch=None, Y_batch=None) -> float:
        Xs, Ys = (X, Y) if X_batch is None else _batch(X_batch, Y_batch, X.dtype, X.shape[0])
        scale = X.dtype.type(-1.0 / Xs.shape[1])
        # X and Y stay numpy arrays: MyGrad treats them as constants.
        A = Xs
        for W, b in hidden:
            A = relu(mg.matmul(W, A) + b)
        AL = sigmoid(mg.matmul(W_last, A) + b_last)
        cost = scale * mg.sum(Ys * mg.log(AL) + (one - Ys) * mg.log(one - AL))
        cost.backward()
        with mg.no_autodiff:
            for p in state:
                p -= lr * p.grad
        return cost.item()

    def get_params():
        return {name: np.array(p.data, copy=True) for name, p in zip(names, state)}

    return _attach(step, get_params)


# ---------------------------------------------------------------------------------------------
# PyTorch (eager, CPU)


def make_step_torch(params, X, Y, learning_rate, dtype=np.float64) -> PeerStep:
    """One training step with PyTorch eager on the CPU: ``backward()``, in-place SGD update."""
    import torch

    names, arrays, X, Y = _prepare(params, X, Y, dtype)
    lr = float(learning_rate)
    # from_numpy keeps the dtype and the strides (so the memory order) and shares the
    # (private) copies made by _prepare; a caller's batch is shared the same way, not copied.
    X_t = torch.from_numpy(X)
    Y_t = torch.from_numpy(Y)
    state = [torch.from_numpy(a).requires_grad_() for a in arrays]
    hidden = [(state[i], state[i + 1]) for i in range(0, len(state) - 2, 2)]
    W_last, b_last = state[-2], state[-1]

    def step(X_batch=None, Y_batch=None) -> float:
        if X_batch is None:
            Xs, Ys = X_t, Y_t
        else:
            Xb, Yb = _batch(X_batch, Y_batch, X.dtype, X.shape[0])
            Xs, Ys = torch.from_numpy(Xb), torch.from_numpy(Yb)
        A = Xs
        for W, b in hidden:
            A = torch.relu(W @ A + b)
        AL = torch.sigmoid(W_last @ A + b_last)
        cost = (-1.0 / Xs.shape[1]) * torch.sum(Ys * torch.log(AL) + (1 - Ys) * torch.log(1 - AL))
        cost.backward()
        with torch.no_grad():
            for p in state:
                p.add_(p.grad, alpha=-lr)
                p.grad = None
        return cost.item()

    def get_params():
        return {name: p.detach().numpy().copy() for name, p in zip(names, state)}

    return _attach(step, get_params)


# ---------------------------------------------------------------------------------------------
# JAX (the whole step jitted)


def make_step_jax(params, X, Y, learning_rate, dtype=np.float64) -> PeerStep:
    """One training step with JAX: ``value_and_grad`` and the update in one ``jax.jit``."""
    import jax

    dt = _float_dtype(dtype)
    if dt == np.float64 and not jax.config.jax_enable_x64:
        # Without it JAX silently computes in float32. Process-wide, and left on.
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    names, arrays, X, Y = _prepare(params, X, Y, dt)
    lr = float(learning_rate)
    n_layers = len(arrays) // 2

    def cost_of(state, X, Y):
        A = X
        for layer in range(n_layers - 1):
            A = jax.nn.relu(state[2 * layer] @ A + state[2 * layer + 1])
        AL = jax.nn.sigmoid(state[-2] @ A + state[-1])
        # X.shape is static under jit: each batch size is its own compiled program.
        return (-1.0 / X.shape[1]) * jnp.sum(Y * jnp.log(AL) + (1 - Y) * jnp.log(1 - AL))

    def train_step(state, X, Y):
        cost, grads = jax.value_and_grad(cost_of)(state, X, Y)
        return [p - lr * g for p, g in zip(state, grads)], cost

    # X and Y are arguments, not closed-over constants, so a large data set is not baked into
    # the compiled program. The old parameters are dead after the call: donate their buffers.
    train_step = jax.jit(train_step, donate_argnums=0)

    X_d = jax.device_put(X)
    Y_d = jax.device_put(Y)
    holder = {"state": [jax.device_put(a) for a in arrays]}

    def step(X_batch=None, Y_batch=None) -> float:
        if X_batch is None:
            Xs, Ys = X_d, Y_d
        else:
            # A batch of another size compiles once more (at its first call).
            Xs, Ys = _batch(X_batch, Y_batch, dt, X.shape[0])
        new_state, cost = train_step(holder["state"], Xs, Ys)
        holder["state"] = new_state
        jax.block_until_ready((new_state, cost))
        return float(cost)

    def get_params():
        return {name: np.array(p, copy=True) for name, p in zip(names, holder["state"])}

    return _attach(step, get_params)


# ---------------------------------------------------------------------------------------------
# Registry


PEERS: dict[str, Callable[..., PeerStep]] = {
    "autograd": make_step_autograd,
    "mygrad": make_step_mygrad,
    "torch": make_step_torch,
    "jax": make_step_jax,
}


@functools.cache
def peer_unavailable_reason(name: str) -> str | None:
    """None when peer ``name`` imports here, otherwise a short reason (cached per process)."""
    if name not in PEERS:
        raise KeyError(f"unknown peer {name!r}; known: {sorted(PEERS)}")
    for module in _PEER_PACKAGES[name]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # an ImportError, or a broken install that fails on import
            return f"cannot import {module}: {type(exc).__name__}: {exc}".splitlines()[0]
    return None


def available_peers() -> list[str]:
    """Names of the peers that import here, in ``PEERS`` order (imports each one)."""
    return [name for name in PEERS if peer_unavailable_reason(name) is None]


def versions() -> dict[str, str]:
    """Installed versions of the peers' distributions (jax reports jax and jaxlib)."""
    found = {}
    for name in PEERS:
        for dist in _PEER_PACKAGES[name]:
            try:
                found[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                pass
    return found


def blas(name: str) -> dict:
    """What computes peer ``name``'s matrix products, as far as the peer tells (imports it).

    autograd and mygrad call numpy, so numpy's BLAS. torch links its own BLAS statically
    (threadpoolctl cannot see it): its build record names it, and torch reports the CPU
    kernels it dispatches to and its thread count. jax compiles with XLA for its CPU backend.
    """
    if name in ("autograd", "mygrad"):
        return {"products": "numpy (numpy's BLAS)"}
    if name == "torch":
        import torch

        built = torch.__config__.show()
        line = next((ln.strip(" -") for ln in built.splitlines() if "Math Kernel Library" in ln
                     or "OpenBLAS" in ln), None)
        blas_setting = next((part.split("=", 1)[1] for part in built.replace(",", " ").split()
                             if part.startswith("BLAS_INFO=")), None)
        return {"products": f"torch's BLAS ({blas_setting or 'unknown'})", "blas_build": line,
                "mkl_available": bool(torch.backends.mkl.is_available()),
                "cpu_kernels": torch.backends.cpu.get_cpu_capability(), "num_threads": torch.get_num_threads()}
    if name == "jax":
        import jax

        return {"products": "XLA (CPU backend)", "devices": [str(d) for d in jax.devices()]}
    raise KeyError(f"unknown peer {name!r}; known: {sorted(PEERS)}")
