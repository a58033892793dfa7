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

__all__ = ["sharpness", "top_eigenvalue", "cost_hvp", "run_sharpness", "SHARPNESS_FILES"]

SHARPNESS_FILES = ("sharpness.json", "sharpness.png")


def cost_hvp(model, batch):
    """``(cost, matvec)`` at the model's current parameters.

    ``matvec(v)`` takes one flat vector over all parameters (W1, b1, W2, ...
    each flattened, in that order) and returns the Hessian of the cost times
    ``v``, flat. With the gram solver in a fit, the implicit W1 is
    materialised first, so the Hessian is the one of the actual parameters.
    """
    model._materialise()
    params = model._params
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
    dim = sum(p.size for p in model._params)
    return top_eigenvalue(matvec, dim, tol=tol, max_iterations=max_iterations, seed=seed, dtype=model.dtype)["eigenvalue"]


# ---------------------------------------------------------------------------
# Along a training run
# ---------------------------------------------------------------------------


def run_sharpness(data=None, layers=(12288, 20, 7, 5, 1), init: str = "xavier", seed: int = 1,
                  learning_rate: float = 0.0075, iterations: int = 2500, every: int = 100, start: int = 0,
                  dtype: str = "float64", cost: str = "stable", solver: str = "auto", out=None,
                  overwrite: bool = False, callback=None, on_measure=None, log=None, image_size: int = 64,
                  n_train: int = 209, n_test: int = 50, tol: float = 1e-4) -> dict:
    """Train as ``nets train`` does and measure the sharpness every ``every`` iterations.

    The data, the model and the training are those of
    :func:`nets.train.run_training` with the same arguments (its data loading
    is reused). The sharpness is measured at iteration 0 (the initial
    parameters), after every ``every``-th update and at the end, each time
    with the cost at the same parameters; with ``start``, only from iteration
    ``start`` on (to look closely at a stretch: ``every=1`` from there). Writes ``sharpness.json``
    (settings, ``records``: iteration, cost, sharpness, 2 / learning_rate,
    Lanczos iterations and residual; ``costs``: the cost of every iteration)
    and ``sharpness.png`` into ``out`` (a new ``runs/<timestamp>-<id>`` when
    None); returns what ``sharpness.json`` holds plus ``"out"``.
    ``callback(iteration, cost)`` is called after every iteration and
    ``on_measure(record)`` after every measurement.
    """
    from . import data as data_module
    from .atomic import write_json
    from .model import BinaryClassifier
    from .train import _check_first_layer, _load_data, _prepare_out_dir, _remove_created
    from .validation import check_count, check_learning_rate

    learning_rate = check_learning_rate(learning_rate)
    iterations = check_count(iterations, "iterations", 1)
    every = check_count(every, "every", 1)
    start = check_count(start, "start", 0)
    if start > iterations:
        raise ValueError(f"start ({start}) is after the last iteration ({iterations})")
    BinaryClassifier([1, 1], init=init, seed=seed, dtype=dtype, cost=cost)  # typos before any work
    train_images, train_y, _, _, _, description = _load_data(data, image_size, n_train, n_test)
    _check_first_layer(layers, *train_images.shape[1:])
    model = BinaryClassifier(layers, init=init, seed=seed, dtype=dtype, cost=cost)
    train_x = data_module.flatten_images(train_images)
    batch = model.batch(train_x, train_y)
    dim = sum(p.size for p in model._params)
    records, costs = [], []

    def measure(iteration: int) -> None:
        at_cost, matvec = cost_hvp(model, batch)
        found = top_eigenvalue(matvec, dim, tol=tol, dtype=model.dtype)
        records.append({
            "iteration": iteration, "cost": at_cost, "sharpness": found["eigenvalue"],
            "two_over_lr": 2 / learning_rate, "lanczos_iterations": found["iterations"],
            "residual": found["residual"],
        })
        if on_measure is not None:
            on_measure(records[-1])

    def on_iteration(i: int, value: float) -> None:
        costs.append([i, value])
        if callback is not None:
            callback(i, value)
        # After step i the parameters are those of iteration i + 1.
        if (i + 1 - start) % every == 0 and start <= i + 1 < iterations:
            measure(i + 1)

    out_dir, created = _prepare_out_dir(out, overwrite)
    written = []
    try:
        if log is not None:
            log(f"Training {list(layers)} on {description} data ({train_x.shape[1]} images), measuring the "
                f"sharpness every {every} iterations ({dim:,} parameters), writing to {out_dir}")
        started = time.perf_counter()
        if start == 0:
            measure(0)
        history = model.fit(train_x, train_y, learning_rate=learning_rate, iterations=iterations,
                            print_every=iterations, callback=on_iteration, solver=solver)
        measure(iterations)
        result = {
            "layers": list(layers), "init": init, "seed": seed, "learning_rate": learning_rate,
            "two_over_lr": 2 / learning_rate, "iterations": iterations, "every": every, "start": start,
            "dtype": np.dtype(model.dtype).name, "cost": cost, "solver": history.solver, "data": description,
            "n_train": int(train_x.shape[1]), "parameters": int(dim),
            "records": records, "costs": costs,
            "max_sharpness": max(r["sharpness"] for r in records),
            "cost_increases": sum(1 for a, b in zip(costs, costs[1:]) if b[1] > a[1]),
            "seconds": time.perf_counter() - started,
        }
        paths = {name: out_dir / name for name in SHARPNESS_FILES}
        written.append(paths["sharpness.png"])
        plot_sharpness(result, paths["sharpness.png"])
        written.append(paths["sharpness.json"])
        write_json(paths["sharpness.json"], result)
    except BaseException:
        _remove_created(created, written if created else [])
        raise
    return {**result, "out": str(out_dir)}


def plot_sharpness(result: dict, path) -> None:
    """Cost (every iteration) above, sharpness (measured points) below, with the 2 / lr line."""
    from matplotlib.figure import Figure

    from .atomic import save_figure

    figure = Figure(figsize=(7.5, 6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    shown = [c for c in result["costs"] if c[0] >= result.get("start", 0)]
    top.plot([c[0] for c in shown], [c[1] for c in shown], ".-" if len(shown) <= 200 else "-", lw=0.8, ms=3,
             color="tab:blue")
    top.set_ylabel("cost")
    top.set_title(f"{result['layers']} on {_short(result['data'])} data, learning rate {result['learning_rate']:g}",
                  fontsize=10)
    records = result["records"]
    bottom.plot([r["iteration"] for r in records], [r["sharpness"] for r in records], "o-", ms=3,
                color="tab:red", label="sharpness (top Hessian eigenvalue)")
    bottom.axhline(result["two_over_lr"], color="black", ls="--", lw=1,
                   label=f"2 / learning rate = {result['two_over_lr']:.4g}")
    bottom.set_xlabel("iteration")
    bottom.set_ylabel("sharpness")
    bottom.set_ylim(bottom=0)
    # Above the panel, not over the points (they can fill the whole height).
    bottom.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
    figure.tight_layout(h_pad=2.0)
    save_figure(figure, path, dpi=110)


def _short(description: str) -> str:
    return description if description == "synthetic" else "cat/non-cat"
