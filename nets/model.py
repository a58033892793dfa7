"""The post's L-layer binary classifier, with gradients from autograd_mini."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor, no_grad

from .atomic import atomic_path
from .init import INITS, initialize
from .solvers import BackpropSolver, GramSolver, choose_solver
from .validation import check_count, check_layer_dims, check_learning_rate, check_X, check_Y

DTYPES = {"float64": np.float64, "float32": np.float32}
COSTS = ("stable", "faithful")
FILE_FORMAT = "autograd_mini.nets.BinaryClassifier"
FILE_VERSION = 1


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite in training; ``iteration`` says when (None for ``step``)."""

    def __init__(self, iteration: int | None, what: str,
                 kept: str = "the parameters are the last ones that gave a finite cost"):
        self.iteration = iteration
        where = "" if iteration is None else f" at iteration {iteration}"
        super().__init__(f"training diverged{where}: {what}; {kept} (try a smaller learning rate)")


class ModelFileError(ValueError):
    """A file that is not a readable BinaryClassifier model."""


@dataclass
class Batch:
    """Training data checked once, for many steps (see ``BinaryClassifier.batch``)."""

    X: Tensor
    Y: Tensor

    @property
    def m(self) -> int:
        return self.X.shape[1]


def _minibatches(batch: Batch, batch_size: int, seed):
    """A function returning the next mini-batch; every pass over the data is reshuffled."""
    rng = np.random.RandomState(seed)
    X, Y, m = batch.X.data, batch.Y.data, batch.m
    state = {"order": rng.permutation(m), "at": 0}

    def next_batch() -> Batch:
        if state["at"] + batch_size > m:
            state["order"], state["at"] = rng.permutation(m), 0
        columns = state["order"][state["at"]:state["at"] + batch_size]
        state["at"] += batch_size
        return Batch(Tensor(X[:, columns]), Tensor(Y[:, columns]))

    return next_batch


class FitHistory(list):
    """``[(iteration, cost), ...]`` as returned by ``fit``, with how it was trained."""

    solver: str = "backprop"
    seconds: float = 0.0


def _dtype_name(dtype) -> str | None:
    """The numpy name of ``dtype``, or None when it is not a dtype at all (None included)."""
    if dtype is None:
        return None
    if isinstance(dtype, str):  # only the exact names: "float" or "f8" are not accepted spellings
        return dtype
    try:
        return np.dtype(dtype).name
    except (TypeError, ValueError):
        return None


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
        if not isinstance(init, str) or init not in INITS:
            raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
        if seed is not None and (
            isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32
        ):
            raise ValueError(f"seed must be None or an integer from 0 to 2**32 - 1, got {seed!r}")
        dtype_name = _dtype_name(dtype)
        if dtype_name not in DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        if not isinstance(cost, str) or cost not in COSTS:
            raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
        self.init, self.seed, self.dtype, self.cost = init, seed, DTYPES[dtype_name], cost
        params = initialize(self.layer_dims, init, seed, self.dtype)
        self._params = [Tensor(params[k], requires_grad=True, name=k) for k in params]
        # The solver of a fit in progress, if any (see _materialise).
        self._trainer = None

    # ------------------------------------------------------------------ state
    @property
    def num_layers(self) -> int:
        """L: the number of layers with weights."""
        return len(self.layer_dims) - 1

    @property
    def parameters(self) -> dict:
        """A copy of the parameters: ``{"W1": (n1, n0) array, "b1": (n1, 1) array, ...}``."""
        self._materialise()
        return {p.name: p.data.copy() for p in self._params}

    def _materialise(self) -> None:
        # During a gram fit (a callback asking for parameters), W1 is implicit.
        if self._trainer is not None:
            self._trainer.materialise()

    def set_parameters(self, parameters: dict) -> None:
        """Replace the parameters by arrays of the right names, shapes and finite values."""
        for p in self._params:
            if p.name not in parameters:
                raise ValueError(f"parameters lack {p.name!r}")
            value = np.asarray(parameters[p.name])
            if value.shape != p.shape:
                raise ValueError(f"parameter {p.name} must have shape {p.shape}, got {value.shape}")
            if value.dtype.kind not in "biuf" or not np.isfinite(value).all():
                raise ValueError(f"parameter {p.name} must hold finite real numbers")
            p.data = value.astype(self.dtype, copy=True)

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
        return self._forward_from(F.affine(self._params[0], X, self._params[1]))

    def _forward_from(self, Z1: Tensor) -> Tensor:
        """The logits, given the first layer's pre-activation ``Z1``."""
        params = self._params
        Z = Z1
        for l in range(2, len(params), 2):
            Z = F.affine(params[l], Z.relu(), params[l + 1])
        return Z

    def _cost_of_logits(self, Z: Tensor, batch: Batch) -> Tensor:
        if self.cost == "stable":
            return F.binary_cross_entropy_with_logits(Z, batch.Y)
        return F.binary_cross_entropy(Z.sigmoid(), batch.Y)

    def compute_cost(self, batch: Batch) -> Tensor:
        """The post's cross-entropy of the current parameters on ``batch`` (a graph)."""
        return self._cost_of_logits(self.forward(batch.X), batch)

    def step(self, batch: Batch, learning_rate: float) -> float:
        """One gradient-descent step by backprop: forward, cost, backward, update.

        Returns the cost (computed before the update). Raises
        :class:`TrainingDiverged` when the cost is not finite, leaving the
        parameters as they were.
        """
        learning_rate = check_learning_rate(learning_rate)
        cost = BackpropSolver(self, lambda: batch, learning_rate).step()
        if not math.isfinite(cost):
            raise TrainingDiverged(None, f"the cost is {cost}", kept="the parameters were not updated")
        return cost

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, learning_rate: float = 0.0075, iterations: int = 2500, print_every: int = 100,
            callback=None, solver: str = "auto", batch_size: int | None = None,
            replay: bool = True) -> FitHistory:
        """Gradient descent, full-batch by default as the tutorial's ``L_layer_model``.

        Returns ``[(iteration, cost), ...]`` for every ``print_every``-th
        iteration (0 included) and the last one; each cost is the one computed in
        that iteration, before its update. The list also carries ``.solver``
        (which solver ran) and ``.seconds``. ``callback(iteration, cost)``, if
        given, is called after every iteration (the CLI's progress bar).

        ``solver``: ``"backprop"`` differentiates the whole graph each step;
        ``"gram"`` keeps W1 implicit and trains the same iterates with far
        fewer FLOPs when examples are fewer than features (see
        :mod:`nets.solvers`); ``"auto"`` (default) picks ``gram`` when it is
        valid and cheaper by a FLOP estimate.

        ``batch_size``: None (default) trains on all examples every step; an
        integer trains on mini-batches of that many examples, reshuffled every
        pass with ``RandomState(seed)`` (``gram`` is then not valid).

        ``replay``: full-batch backprop traces the step's graph once and
        replays it (:class:`autograd_mini.Replay`, the same numbers without
        rebuilding the graph every step); ``False`` builds it eagerly.

        Raises :class:`TrainingDiverged` naming the iteration at the first
        non-finite cost, with the parameters rolled back to the last ones that
        gave a finite cost (a non-finite gradient makes the next cost
        non-finite, so it is caught one iteration later, never kept).
        """
        learning_rate = check_learning_rate(learning_rate)
        iterations = check_count(iterations, "iterations", 1)
        print_every = check_count(print_every, "print_every", 1)
        if not isinstance(replay, (bool, np.bool_)):
            raise TypeError(f"replay must be True or False, got {replay!r}")
        batch = self.batch(X, Y)
        if batch_size is not None:
            batch_size = check_count(batch_size, "batch_size", 1)
            if batch_size >= batch.m:
                batch_size = None
        chosen = choose_solver(solver, self.layer_dims, batch.m, iterations, full_batch=batch_size is None)
        history = FitHistory()
        history.solver = chosen
        start = time.perf_counter()
        # A diverging run overflows on its way to the non-finite cost that stops
        # it; TrainingDiverged reports that, numpy's warnings would only repeat it.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
            if chosen == "gram":
                trainer = GramSolver(self, batch, learning_rate)
            elif batch_size is None:
                trainer = BackpropSolver(self, lambda: batch, learning_rate, replay=replay)
            else:
                trainer = BackpropSolver(self, _minibatches(batch, batch_size, self.seed), learning_rate)
            self._trainer = trainer
            try:
                for i in range(iterations):
                    cost = trainer.step()
                    if not math.isfinite(cost):
                        raise TrainingDiverged(i, f"the cost is {cost}")
                    if i % print_every == 0 or i == iterations - 1:
                        history.append((i, cost))
                    if callback is not None:
                        callback(i, cost)
            finally:
                # Also on an error or an interrupt: W1 must not stay implicit.
                self._trainer = None
                trainer.finish()
        history.seconds = time.perf_counter() - start
        return history

    # ------------------------------------------------------------------ use
    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of class 1, shape (1, m)."""
        X = check_X(X, self.layer_dims[0])
        self._materialise()
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
        self._materialise()
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

        self._materialise()
        with atomic_path(path) as tmp:
            with h5py.File(tmp, "w") as f:
                f.attrs["format"] = FILE_FORMAT
                f.attrs["version"] = FILE_VERSION
                f.attrs["layer_dims"] = np.asarray(self.layer_dims, dtype=np.int64)
                f.attrs["init"] = self.init
                f.attrs["seed"] = -1 if self.seed is None else int(self.seed)
                f.attrs["dtype"] = np.dtype(self.dtype).name
                f.attrs["cost"] = self.cost
                for p in self._params:
                    # A checksum, so that a damaged weight is an error on load, not a silent change.
                    f.create_dataset(p.name, data=p.data, fletcher32=True)

    @classmethod
    def load(cls, path) -> "BinaryClassifier":
        """Read a model written by :meth:`save`; anything else raises :class:`ModelFileError`."""
        from .modelfile import read_model

        return read_model(cls, path)
