"""The ``train`` job: train the tutorial's network and write a run folder.

``nets.cli`` only parses arguments and prints; :func:`run_training` can be
called from Python and returns plain data.  It trains on the catvnoncat data
(or the built-in synthetic stand-in, or a file of feature matrices such as the
course's 2-D data sets) and writes a run folder: ``metrics.json``,
``costs.png``, ``model.h5`` and ``mislabeled.png`` (``decision_boundary.png``
for 2-D feature data).

What it shares with the other jobs (run folders, the built-in data) is in
:mod:`nets.jobs.runs`.

Errors in the arguments are raised as ``ValueError``/``TypeError`` (or
``nets.DataError``, ``nets.ModelFileError``, ``OSError`` for files) before
anything is written.
"""
from __future__ import annotations

import datetime
import os
import time

import numpy as np

from ..atomic import write_json
from ..data import flatten_images, load_feature_file
from ..model import BinaryClassifier, check_fit_options
from ..model.solvers import SOLVERS
from ..validation import check_count, check_layer_dims, check_learning_rate
from .runs import (MAX_SYNTHETIC_VALUES, check_first_layer, check_out_name, load_data,
                   prepare_out_dir, remove_created, versions)

__all__ = ["FIT_OPTIONS", "RUN_FILES", "run_training"]

#: The files of a run folder on image data, in the order they are written
#: (metrics.json last: a folder with a metrics.json is a complete run). On 2-D
#: feature data, decision_boundary.png takes mislabeled.png's place.
RUN_FILES = ("model.h5", "costs.png", "mislabeled.png", "metrics.json")
#: fit's training options that run_training passes through (and records in metrics.json).
FIT_OPTIONS = ("epochs", "batch_size", "optimizer", "beta", "beta1", "beta2", "epsilon", "l2", "keep_prob",
               "decay", "decay_rate", "decay_interval")


def run_training(
    data=None,
    layers=None,
    init: str = "xavier",
    seed: int = 1,
    learning_rate: float = 0.0075,
    iterations: int | None = None,
    print_every: int = 100,
    dtype: str = "float64",
    cost: str = "stable",
    solver: str = "auto",
    hidden_activation: str = "relu",
    out=None,
    overwrite: bool = False,
    callback=None,
    log=None,
    image_size: int = 64,
    n_train: int = 209,
    n_test: int = 50,
    **fit_options,
) -> dict:
    """Train the tutorial's network and write a run folder; returns the metrics.

    ``data`` is a folder with ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``,
    an HDF5 file of feature matrices (``train_X`` (n_x, m), ``train_Y``, and
    optionally ``test_X``/``test_Y``: the course's 2-D data sets, see
    :func:`nets.data.load_feature_file`), or None for the built-in synthetic
    data (``make_synthetic_catvnoncat`` with seed :data:`nets.jobs.runs.SYNTHETIC_SEED`,
    ``image_size``/``n_train``/``n_test`` images). ``layers`` defaults to the
    tutorial's ``[n_x, 20, 7, 5, 1]``; ``hidden_activation`` is ``"relu"`` or
    ``"tanh"`` (see :class:`nets.BinaryClassifier`). ``fit_options`` are ``fit``'s training
    options (:data:`FIT_OPTIONS`: mini-batches, optimizer, L2, dropout, decay);
    ``iterations`` defaults to 2500 full-batch steps, and must be left out
    with ``batch_size`` (give ``epochs``).
    ``out`` is the run folder; None makes a new ``runs/<timestamp>-<id>``.  A
    non-empty ``out`` is refused (:class:`nets.errors.OutputExistsError`) unless
    ``overwrite``.  ``callback(iteration, cost)`` is called after every
    iteration and ``log(text)`` with a line about what is being trained.

    Writes ``model.h5``, ``costs.png``, ``mislabeled.png`` (image data) or
    ``decision_boundary.png`` (2-D feature data) and, last, ``metrics.json``,
    each atomically.  The returned dict is what
    ``metrics.json`` holds, plus ``"out"`` (the folder) and ``"mislabeled"``.

    Raises :class:`nets.TrainingDiverged` when the cost stops being finite; the run folder, if this call created it, is removed, and
    nothing is written into an existing one.
    """
    started = time.perf_counter()
    # Everything is checked before the output folder is touched.
    unknown = sorted(set(fit_options) - set(FIT_OPTIONS))
    if unknown:
        raise TypeError(f"run_training got unknown option(s) {unknown}")
    feature_file = data is not None and os.path.isfile(data)
    if layers is not None:
        layers = check_layer_dims(layers)
    learning_rate = check_learning_rate(learning_rate)
    if iterations is not None:
        iterations = check_count(iterations, "iterations", 1)
    print_every = check_count(print_every, "print_every", 1)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if out is not None:
        check_out_name(out)
    if data is None:
        # The synthetic data's size is known before it is drawn: check the layers
        # and the size first, so that a typo costs nothing.
        image_size = check_count(image_size, "image_size", 8)
        n_train = check_count(n_train, "n_train", 1)
        n_test = check_count(n_test, "n_test", 1)
        if layers is None:
            layers = [image_size * image_size * 3, 20, 7, 5, 1]
        check_first_layer(layers, image_size, image_size, 3)
        values = (n_train + n_test) * image_size * image_size * 3
        if values > MAX_SYNTHETIC_VALUES:
            raise ValueError(
                f"synthetic data of {n_train} + {n_test} images of {image_size}x{image_size}x3 would hold "
                f"{values:,} values; at most {MAX_SYNTHETIC_VALUES:,} are allowed"
            )
    # init, seed, dtype and cost are checked on a one-weight model, so that a typo
    # is reported before the data is read and the real weights are drawn.
    BinaryClassifier([1, 1], init=init, seed=seed, dtype=dtype, cost=cost, hidden_activation=hidden_activation)
    check_fit_options(iterations=iterations, **fit_options)
    if feature_file:
        train_x, train_y, test_x, test_y = load_feature_file(data)
        train_images = test_images = classes = None
        description = os.path.abspath(os.fspath(data))
        if layers is None:
            layers = [train_x.shape[0], 20, 7, 5, 1]
        if layers[0] != train_x.shape[0]:
            raise ValueError(f"the first layer size is {layers[0]} but the data has {train_x.shape[0]} features "
                             f"per example; the layers must start with {train_x.shape[0]}")
    else:
        train_images, train_y, test_images, test_y, classes, description = load_data(
            data, image_size, n_train, n_test
        )
        if layers is None:
            layers = [int(np.prod(train_images.shape[1:])), 20, 7, 5, 1]
        check_first_layer(layers, *train_images.shape[1:])
        train_x = flatten_images(train_images)
        test_x = flatten_images(test_images)
    model = BinaryClassifier(layers, init=init, seed=seed, dtype=dtype, cost=cost, hidden_activation=hidden_activation)

    out_dir, created = prepare_out_dir(out, overwrite)
    written = []
    try:
        if log is not None:
            log(
                f"Training {layers} on {description} data ({train_x.shape[1]} train, "
                f"{0 if test_x is None else test_x.shape[1]} test images), writing to {out_dir}"
            )
        history = model.fit(train_x, train_y, learning_rate=learning_rate, iterations=iterations,
                            print_every=print_every, callback=callback, solver=solver, **fit_options)
        train_accuracy = model.accuracy(train_x, train_y)
        test_accuracy = None if test_x is None else model.accuracy(test_x, test_y)

        from ..plots import plot_costs, plot_decision_boundary, plot_mislabeled

        costs = [[int(i), float(c)] for i, c in history]
        files = ["model.h5", "costs.png"]
        if train_images is not None:
            files.append("mislabeled.png")
        elif train_x.shape[0] == 2:
            files.append("decision_boundary.png")
        files.append("metrics.json")
        paths = {name: out_dir / name for name in files}
        written.append(paths["model.h5"])
        model.save(paths["model.h5"])
        written.append(paths["costs.png"])
        plot_costs(costs, learning_rate, paths["costs.png"], unit=history.unit)
        mislabeled = None
        if "mislabeled.png" in paths:
            written.append(paths["mislabeled.png"])
            test_pred = model.predict(test_x)
            mislabeled = plot_mislabeled(classes, test_images, test_y, test_pred, paths["mislabeled.png"])
        if "decision_boundary.png" in paths:
            written.append(paths["decision_boundary.png"])
            plot_decision_boundary(model, train_x, train_y, paths["decision_boundary.png"],
                                   title=f"{layers}, train accuracy {train_accuracy:.4f}")
        training = model.training
        metrics = {
            "layers": layers,
            "hidden_activation": hidden_activation,
            "init": init,
            "seed": seed,
            "learning_rate": learning_rate,
            "iterations": training.get("iterations"),
            "epochs": training.get("epochs"),
            "batch_size": training["batch_size"],
            "optimizer": training["optimizer"],
            **{k: training[k] for k in ("beta", "beta1", "beta2", "epsilon") if k in training},
            "l2": training["l2"],
            "keep_prob": training["keep_prob"],
            "decay": training["decay"],
            **{k: training[k] for k in ("decay_rate", "decay_interval") if k in training},
            "steps": history.steps,
            "cost_unit": history.unit,
            "print_every": print_every,
            "dtype": np.dtype(model.dtype).name,
            "cost": cost,
            "solver": history.solver,
            "solver_requested": solver,
            "data": description,
            "n_train": int(train_x.shape[1]),
            "n_test": 0 if test_x is None else int(test_x.shape[1]),
            "image_shape": None if train_images is None else [int(s) for s in train_images.shape[1:]],
            "n_features": int(train_x.shape[0]),
            "costs": costs,
            "final_cost": costs[-1][1],
            "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy,
            "test_mislabeled": mislabeled,
            "seconds": history.seconds,
            "total_seconds": time.perf_counter() - started,
            "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "versions": versions(),
            "files": files,
        }
        written.append(paths["metrics.json"])
        write_json(paths["metrics.json"], metrics)
    except BaseException:
        # Diverged, interrupted or failed to write: a folder this call made goes
        # away entirely.  An existing folder is left alone: training fails before
        # anything is written, and a file already replaced cannot be restored.
        remove_created(created, written if created else [])
        raise
    return {**metrics, "out": str(out_dir), "mislabeled": mislabeled}
