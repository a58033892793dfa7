"""The ``sharpness`` job: train as ``nets train`` does and measure the sharpness along the run.

The measurement itself (Hessian-vector products, Lanczos) is :mod:`nets.sharpness`;
this job adds the data, the run folder, ``sharpness.json`` and the picture.
"""
from __future__ import annotations

import time

import numpy as np

from ..atomic import write_json
from ..data import flatten_images
from ..model import BinaryClassifier
from ..plots import plot_sharpness
from ..sharpness import cost_hvp, top_eigenvalue
from ..validation import check_count, check_learning_rate
from .runs import check_first_layer, load_data, prepare_out_dir, remove_created

__all__ = ["SHARPNESS_FILES", "run_sharpness"]

SHARPNESS_FILES = ("sharpness.json", "sharpness.png")




def run_sharpness(data=None, layers=(12288, 20, 7, 5, 1), init: str = "xavier", seed: int = 1,
                  learning_rate: float = 0.0075, iterations: int = 2500, every: int = 100, start: int = 0,
                  dtype: str = "float64", cost: str = "stable", solver: str = "auto", out=None,
                  overwrite: bool = False, callback=None, on_measure=None, log=None, image_size: int = 64,
                  n_train: int = 209, n_test: int = 50, tol: float = 1e-4) -> dict:
    """Train as ``nets train`` does and measure the sharpness every ``every`` iterations.

    The data, the model and the training are those of
    :func:`nets.jobs.train.run_training` with the same arguments (its data loading
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
    learning_rate = check_learning_rate(learning_rate)
    iterations = check_count(iterations, "iterations", 1)
    every = check_count(every, "every", 1)
    start = check_count(start, "start", 0)
    if start > iterations:
        raise ValueError(f"start ({start}) is after the last iteration ({iterations})")
    BinaryClassifier([1, 1], init=init, seed=seed, dtype=dtype, cost=cost)  # typos before any work
    train_images, train_y, _, _, _, description = load_data(data, image_size, n_train, n_test)
    check_first_layer(layers, *train_images.shape[1:])
    model = BinaryClassifier(layers, init=init, seed=seed, dtype=dtype, cost=cost)
    train_x = flatten_images(train_images)
    batch = model.batch(train_x, train_y)
    dim = sum(p.size for p in model.objective().params)
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

    out_dir, created = prepare_out_dir(out, overwrite)
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
        remove_created(created, written if created else [])
        raise
    return {**result, "out": str(out_dir)}
