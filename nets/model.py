"""The post's L-layer binary classifier, with gradients from autograd_mini."""
from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor, no_grad

from .init import INITS, initialize
from .validation import check_count, check_layer_dims, check_learning_rate, check_X, check_Y

DTYPES = {"float64": np.float64, "float32": np.float32}
COSTS = ("stable", "faithful")
FILE_FORMAT = "autograd_mini.nets.BinaryClassifier"
FILE_VERSION = 1


class TrainingDiverged(FloatingPointError):
    """The cost or a gradient became NaN or infinite during fit()."""

    def __init__(self, iteration: int | None, what: str):
        self.iteration = iteration
        where = "" if iteration is None else f" at iteration {iteration}"
        super().__init__(
            f"training diverged{where}: {what}; the parameters were left "
            f"at their last finite values (try a smaller learning rate)"
        )


class ModelFileError(ValueError):
    """A file that is not a readable BinaryClassifier model."""


@dataclass
class Batch:
    """Training data checked once and laid out for repeated steps (see ``BinaryClassifier.batch``)."""

    X: Tensor
    Y: Tensor

    @property
    def m(self) -> int:
        return self.X.shape[1]


class FitHistory(list):
    """``[(iteration, cost), ...]`` as returned by ``fit``, with how it was trained."""

    solver: str = "backprop"
    seconds: float = 0.0


class BinaryClassifier:
    """``[LINEAR->RELU] x (L-1) -> LINEAR -> SIGMOID`` trained by gradient descent.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., 1]``: input size, hidden widths, one output unit.
    init : {"small", "xavier", "he"}
        ``randn * 0.01`` (the post's), ``randn / sqrt(n[l-1])`` (the tutorial's
        application, default) or ``randn * sqrt(2 / n[l-1])``.
    seed : int or None
        Seed of the ``np.random.RandomState`` the weights are drawn from; seed 1
        reproduces the tutorial's numbers.
    dtype : "float64" or "float32"
        Precision of the parameters and of every array in training.
    cost : "stable" or "faithful"
        Both are the post's cross-entropy. ``stable`` (default) computes it from
        the logits in one fused op, finite for any logits, with gradient
        ``(sigmoid(Z) - Y) / m``; ``faithful`` builds ``sigmoid`` then the post's
        ``-(1/m) sum(Y log A + (1-Y) log(1-A))`` from separate graph ops.
    """

    def __init__(self, layer_dims, init: str = "xavier", seed: int | None = 1, dtype="float64", cost="stable"):
        self.layer_dims = check_layer_dims(layer_dims)
        if init not in INITS:
            raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        dtype_name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
        if dtype_name not in DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        if cost not in COSTS:
            raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
        self.init, self.seed, self.dtype, self.cost = init, seed, DTYPES[dtype_name], cost
        params = initialize(self.layer_dims, init, seed, self.dtype)
        self._params = [Tensor(params[k], requires_grad=True, name=k) for k in params]
        # The parameters before the last update, kept to roll back a divergence.
        self._previous = None

    # ------------------------------------------------------------------ state
    @property
    def num_layers(self) -> int:
        """L: the number of layers with weights."""
        return len(self.layer_dims) - 1

    @property
    def parameters(self) -> dict:
        """A copy of the parameters: ``{"W1": (n1, n0) array, "b1": (n1, 1) array, ...}``."""
        return {p.name: p.data.copy() for p in self._params}

    def set_parameters(self, parameters: dict) -> None:
        """Replace the parameters by arrays of the right names, shapes and finite values."""
        for p in self._params:
            if p.name not in parameters:
                raise KeyError(f"parameters lack {p.name!r}")
            value = np.asarray(parameters[p.name])
            if value.shape != p.shape:
                raise ValueError(f"parameter {p.name} must have shape {p.shape}, got {value.shape}")
            if value.dtype.kind not in "biuf" or not np.isfinite(value).all():
                raise ValueError(f"parameter {p.name} must hold finite real numbers")
            p.data = value.astype(self.dtype, copy=True)
        self._previous = None

    def __repr__(self) -> str:
        return (
            f"BinaryClassifier({self.layer_dims}, init={self.init!r}, seed={self.seed}, "
            f"dtype={np.dtype(self.dtype).name!r}, cost={self.cost!r})"
        )

    # ------------------------------------------------------------------ graph
    def batch(self, X, Y) -> Batch:
        """Check ``X`` (features, examples) and ``Y`` (1, examples) once, for many steps.

        X is converted to the model's dtype (no copy when it already has it);
        neither X nor Y requires grad, so the backward pass does no work for them.
        """
        X = check_X(X, self.layer_dims[0])
        Y = check_Y(Y, X.shape[1])
        return Batch(Tensor(X.astype(self.dtype, copy=False)), Tensor(Y.astype(self.dtype, copy=False)))

    def forward(self, X: Tensor) -> Tensor:
        """The logits ``Z[L]`` (1, m), as a graph built from autograd_mini ops.

        Each layer is ``Z = W @ A + b`` (one fused affine op), then ReLU for all
        layers but the last.
        """
        params = self._params
        A = X
        for l in range(0, len(params) - 2, 2):
            A = F.affine(params[l], A, params[l + 1]).relu()
        return F.affine(params[-2], A, params[-1])

    def compute_cost(self, batch: Batch) -> Tensor:
        """The post's cross-entropy of the current parameters on ``batch`` (a graph)."""
        Z = self.forward(batch.X)
        if self.cost == "stable":
            return F.binary_cross_entropy_with_logits(Z, batch.Y)
        return F.binary_cross_entropy(Z.sigmoid(), batch.Y)

    def step(self, batch: Batch, learning_rate: float) -> float:
        """One gradient-descent step: forward, cost, backward, update. Returns the cost.

        Raises :class:`TrainingDiverged` when the cost is not finite; the
        parameters are then rolled back to the last ones that gave a finite
        cost (see :meth:`fit`).
        """
        cost = self._step(batch, learning_rate)
        if not math.isfinite(cost):
            raise TrainingDiverged(None, f"the cost is {cost}")
        return cost

    def _step(self, batch: Batch, learning_rate: float) -> float:
        cost_tensor = self.compute_cost(batch)
        cost = cost_tensor.item()
        params = self._params
        if not math.isfinite(cost):
            # These parameters gave a non-finite cost: go back to the ones
            # before the last update, which gave a finite one. Checking the
            # scalar cost every step is free; checking every gradient is not.
            if self._previous is not None:
                for p, data in zip(params, self._previous):
                    p.data = data
                self._previous = None
            return cost
        cost_tensor.backward()
        # The update makes new arrays (as the post's update_parameters does) and
        # keeps the old ones, so a divergence can be rolled back without copies.
        self._previous = [p.data for p in params]
        for p in params:
            p.data = p.data - learning_rate * p.grad
            p.grad = None
        return cost

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, learning_rate: float = 0.0075, iterations: int = 2500, print_every: int = 100,
            callback=None) -> FitHistory:
        """Full-batch gradient descent, as the tutorial's ``L_layer_model``.

        Returns ``[(iteration, cost), ...]`` for every ``print_every``-th
        iteration (0 included) and the last one; each cost is the one computed in
        that iteration, before its update. ``callback(iteration, cost)``, if
        given, is called after every iteration (the CLI's progress bar).

        Raises :class:`TrainingDiverged` naming the iteration at the first
        non-finite cost, with the parameters rolled back to the last ones that
        gave a finite cost (a non-finite gradient makes the next cost
        non-finite, so it is caught one iteration later, never written back).
        """
        learning_rate = check_learning_rate(learning_rate)
        iterations = check_count(iterations, "iterations", 1)
        print_every = check_count(print_every, "print_every", 1)
        batch = self.batch(X, Y)
        self._previous = None
        history = FitHistory()
        history.solver = "backprop"
        start = time.perf_counter()
        for i in range(iterations):
            cost = self._step(batch, learning_rate)
            if not math.isfinite(cost):
                raise TrainingDiverged(i, f"the cost is {cost}")
            if i % print_every == 0 or i == iterations - 1:
                history.append((i, cost))
            if callback is not None:
                callback(i, cost)
        history.seconds = time.perf_counter() - start
        return history

    # ------------------------------------------------------------------ use
    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of class 1, shape (1, m)."""
        X = check_X(X, self.layer_dims[0])
        with no_grad():
            return self.forward(Tensor(X.astype(self.dtype, copy=False))).sigmoid().data

    def predict(self, X) -> np.ndarray:
        """Class labels 0/1 (int64), shape (1, m): 1 where the probability is above 0.5."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def accuracy(self, X, Y) -> float:
        """The fraction of examples whose predicted class equals the label."""
        X = check_X(X, self.layer_dims[0])
        Y = check_Y(Y, X.shape[1])
        return float(np.mean(self.predict(X) == Y))

    def gradients(self, X, Y) -> dict:
        """``{"dW1": ..., "db1": ..., ...}``: the cost's gradients by autodiff, parameters unchanged."""
        batch = self.batch(X, Y)
        for p in self._params:
            p.grad = None
        self.compute_cost(batch).backward()
        grads = {}
        for p in self._params:
            grads["d" + p.name] = p.grad
            p.grad = None
        return grads

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the model to an HDF5 file, atomically (a temporary file, then a rename)."""
        import h5py

        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".h5", dir=directory)
        os.close(fd)
        try:
            with h5py.File(tmp, "w") as f:
                f.attrs["format"] = FILE_FORMAT
                f.attrs["version"] = FILE_VERSION
                f.attrs["layer_dims"] = np.asarray(self.layer_dims, dtype=np.int64)
                f.attrs["init"] = self.init
                f.attrs["seed"] = -1 if self.seed is None else int(self.seed)
                f.attrs["dtype"] = np.dtype(self.dtype).name
                f.attrs["cost"] = self.cost
                for p in self._params:
                    f.create_dataset(p.name, data=p.data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path) -> "BinaryClassifier":
        """Read a model written by :meth:`save`; anything else raises :class:`ModelFileError`."""
        from .modelfile import read_model

        return read_model(cls, path)
