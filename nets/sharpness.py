r"""The sharpness of the cost: the largest eigenvalue of its Hessian in all the parameters.

Gradient descent with step ``lr`` on a quadratic with Hessian ``H`` multiplies
the error along an eigenvector of eigenvalue ``lambda`` by ``1 - lr * lambda``
per step: it shrinks if ``lambda < 2 / lr`` and grows (oscillating) if
``lambda > 2 / lr``. Near any point the cost is such a quadratic, so when the
sharpness (the top eigenvalue) crosses ``2 / lr`` a run overshoots along that
direction and the cost spikes. This module measures it.

The Hessian of the tutorial's net has about 250,000 rows: it is never formed.
Lanczos iterations need only Hessian-vector products, each one reverse pass
through the recorded gradient (``autograd_mini.grad(..., create_graph=True)``,
built once per measurement, its graph kept across the products).
"""
from __future__ import annotations

import math
import time

import numpy as np

from autograd_mini import Tensor, enable_grad, grad

__all__ = ["sharpness", "top_eigenvalue", "cost_hvp"]


def cost_hvp(model, batch):
    """``(cost, matvec)`` at the model's current parameters.

    ``matvec(v)`` takes one flat vector over all parameters (W1, b1, W2, ...
    each flattened, in that order) and returns the Hessian of the cost times
    ``v``, flat. With the gram solver in a fit, the implicit W1 is
    materialised first, so the Hessian is the one of the actual parameters.
    """
    params = model.objective().params  # current: a gram fit's implicit W1 is materialised
    with enable_grad():
        cost = model.compute_cost(batch)
        gradients = grad(cost, params, create_graph=True, allow_unused=True)
    sizes = [p.size for p in params]
    ends = np.cumsum(sizes)

    def matvec(flat: np.ndarray) -> np.ndarray:
        pieces = np.split(np.asarray(flat, dtype=model.dtype), ends[:-1])
        total = None
        with enable_grad():
            for g, v, p in zip(gradients, pieces, params):
                if g is None or not g.requires_grad:
                    continue  # a gradient constant in the parameters contributes no curvature
                term = (g * Tensor(v.reshape(p.shape))).sum()
                total = term if total is None else total + term
        if total is None:
            return np.zeros(int(ends[-1]), dtype=model.dtype)
        # retain_graph: the recorded gradient serves every product of this measurement.
        products = grad(total, params, retain_graph=True, allow_unused=True)
        return np.concatenate([
            np.zeros(n, dtype=model.dtype) if h is None else h.data.reshape(-1) for h, n in zip(products, sizes)
        ])

    return cost.item(), matvec


def top_eigenvalue(matvec, dim: int, tol: float = 1e-4, max_iterations: int = 80, seed: int = 0,
                   dtype=np.float64) -> dict:
    """The largest (most positive) eigenvalue of a symmetric operator, by Lanczos.

    ``matvec(v)`` applies the operator to a vector of length ``dim``. Lanczos
    builds an orthonormal basis of the Krylov space ``v, Hv, H^2 v, ...`` in
    which ``H`` is a small tridiagonal matrix ``T``; the top eigenvalue of ``T``
    converges to ``H``'s from below, much faster than power iteration, and
    unlike power iteration it finds the most positive eigenvalue even when a
    negative one is larger in magnitude. The basis is kept and every new
    vector re-orthogonalised against it (twice), so that rounding does not
    bring back copies of converged eigenvalues.

    Stops when the residual ``|H y - theta y|`` of the top Ritz pair is at
    most ``tol * |theta|`` (the residual is ``beta_k |s_k|``, no extra
    product needed), the space is exhausted, or after ``max_iterations``.
    Returns ``{"eigenvalue", "residual", "iterations", "converged"}``.
    """
    if dim < 1:
        raise ValueError(f"top_eigenvalue: the operator must act on at least one number, got dim={dim}")
    rng = np.random.RandomState(seed)
    q = rng.standard_normal(dim).astype(dtype)
    q /= np.linalg.norm(q)
    basis = [q]
    alphas, betas = [], []
    theta, residual = 0.0, math.inf
    steps = min(max_iterations, dim)
    for k in range(steps):
        w = np.asarray(matvec(basis[-1]), dtype=np.float64)
        alpha = float(basis[-1] @ w)
        alphas.append(alpha)
        Q = np.array(basis)
        for _ in range(2):
            w -= Q.T @ (Q @ w)
        beta = float(np.linalg.norm(w))
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        values, vectors = np.linalg.eigh(T)
        theta = float(values[-1])
        residual = beta * abs(float(vectors[-1, -1]))
        if residual <= tol * max(abs(theta), np.finfo(float).tiny) or k == steps - 1:
            break
        if beta <= 1e-12 * max(abs(a) for a in alphas):  # an invariant subspace: T is exact
            residual = 0.0
            break
        betas.append(beta)
        basis.append(w / beta)
    converged = residual <= tol * max(abs(theta), np.finfo(float).tiny)
    return {"eigenvalue": theta, "residual": residual, "iterations": len(alphas), "converged": bool(converged)}


def sharpness(model, X, Y, tol: float = 1e-4, max_iterations: int = 80, seed: int = 0) -> float:
    """The largest eigenvalue of the Hessian of ``model``'s cost on ``(X, Y)``, all parameters together.

    Evaluated at the parameters' current values (the gram solver's implicit W1
    materialised first); the parameters and their ``.grad`` are not changed.
    Compare it with ``2 / learning_rate``: gradient descent is stable along
    the sharpest direction only below that line. Lanczos on Hessian-vector
    products, to a relative residual of ``tol`` (see :func:`top_eigenvalue`).
    """
    batch = model.batch(X, Y)
    _, matvec = cost_hvp(model, batch)
    dim = sum(p.size for p in model.objective().params)
    return top_eigenvalue(matvec, dim, tol=tol, max_iterations=max_iterations, seed=seed, dtype=model.dtype)["eigenvalue"]
