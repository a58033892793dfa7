"""The post's L-layer binary classifier, with gradients from autograd_mini.

:class:`BinaryClassifier` holds the parameters and composes the training
parts of this package: :mod:`.init` draws the weights, :mod:`.objective`
builds the cost as a graph (all a solver sees of the model), :mod:`.solvers`
computes the gradients (backprop or gram), :mod:`.sampling` picks each step's
examples and dropout masks, ``autograd_mini.optim`` moves the parameters,
:mod:`.options` checks ``fit``'s options and :mod:`.modelfile` reads and
writes the model file.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor, no_grad, tuning
from autograd_mini.optim import GradientDescent, inverse_decay, make_optimizer, scheduled_decay

from ..errors import ModelFileError, TrainingDiverged
from ..validation import (check_count, check_fraction, check_layer_dims, check_learning_rate,
                          check_non_negative, check_X, check_Y)
from .init import INITS, initialize
from .modelfile import read_model, write_model
from .objective import HIDDEN_ACTIVATIONS, Objective
from .options import COSTS, DTYPES, check_fit_options, dtype_name
from .sampling import DropoutMasks, FullBatch, MiniBatches, seeded_streams
from .solvers import BackpropSolver, GramSolver, check_step, choose_solver

__all__ = ["Batch", "BinaryClassifier", "FitHistory", "ModelFileError", "TrainingDiverged"]


@dataclass
class Batch:
    """Training data checked once, for many steps (see ``BinaryClassifier.batch``)."""

    X: Tensor
    Y: Tensor

    @property
    def m(self) -> int:
        return self.X.shape[1]


class FitHistory(list):
    """``[(iteration or epoch, cost), ...]`` as returned by ``fit``, with how it was trained.

    ``unit`` is ``"iteration"`` (full-batch steps) or ``"epoch"`` (passes of
    mini-batches); ``solver``, ``optimizer`` and ``steps`` say what ran,
    ``batch_size`` and ``batches_per_epoch`` which examples each step saw,
    ``seconds`` how long it took.
    """

    solver: str = "backprop"
    optimizer: str = "gd"
    unit: str = "iteration"
    batch_size: int | None = None
    batches_per_epoch: int = 1
    steps: int = 0
    seconds: float = 0.0
    #: How backprop ran its steps: "eager", "replay" or "compiled" (None for gram).
    step: str | None = None

class BinaryClassifier:
    """``[LINEAR->RELU] x (L-1) -> LINEAR -> SIGMOID`` (or tanh hidden layers) trained by gradient descent.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., 1]``: input size, hidden widths, one output unit.
    init : {"small", "xavier", "he", "zeros", "large"}
        ``randn * 0.01`` (the post's), ``randn / sqrt(n[l-1])`` (the tutorial's
        application, default), ``randn * sqrt(2 / n[l-1])``, and the two
        failures the course demonstrates: ``zeros`` (every W and b zero: the
        units of a layer stay identical forever) and ``large`` (``randn * 10``:
        saturated outputs and a huge initial cost).
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
    hidden_activation : "relu" or "tanh"
        Every hidden layer's activation: ReLU (the post's, default) or tanh
        (Course 1 week 3's planar network). ``layer_dims=[n_x, 1]`` has no
        hidden layer: it is logistic regression (week 2), whatever this says.
    """

    def __init__(self, layer_dims, init: str = "xavier", seed: int | None = 1, dtype="float64", cost="stable",
                 hidden_activation: str = "relu"):
        self.layer_dims = check_layer_dims(layer_dims)
        if not isinstance(init, str) or init not in INITS:
            raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
        if seed is not None and (
            isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32
        ):
            raise ValueError(f"seed must be None or an integer from 0 to 2**32 - 1, got {seed!r}")
        name = dtype_name(dtype)
        if name not in DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        if not isinstance(cost, str) or cost not in COSTS:
            raise ValueError(f"cost must be one of {COSTS}, got {cost!r}")
        if not isinstance(hidden_activation, str) or hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"hidden_activation must be one of {HIDDEN_ACTIVATIONS}, got {hidden_activation!r}")
        self.hidden_activation = hidden_activation
        self.init, self.seed, self.dtype, self.cost = init, seed, DTYPES[name], cost
        params = initialize(self.layer_dims, init, seed, self.dtype)
        self._params = [Tensor(params[k], requires_grad=True, name=k) for k in params]
        # The solver of a fit in progress, if any (see _materialise).
        self._trainer = None
        #: What the last completed fit trained with (its options, what ran); None before any.
        self.training = None

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
            f"dtype={np.dtype(self.dtype).name!r}, cost={self.cost!r}, hidden_activation={self.hidden_activation!r})"
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

    def objective(self, l2: float = 0.0, m: int = 1, keep_prob: float = 1.0) -> Objective:
        """The training cost as a graph of the parameters (what the solvers see of the model).

        ``l2`` and ``m`` (the number of training examples) set the L2 penalty
        ``l2 / (2 m) * sum ||W||^2``; ``keep_prob`` the inverted-dropout scaling.
        Its ``params`` are the model's own parameter Tensors, current: during a
        gram fit (a callback asking) the implicit W1 is materialised first.
        """
        self._materialise()
        return Objective(self._params, self._cost_of_logits, l2=l2, m=m, keep_prob=keep_prob,
                         hidden_activation=self.hidden_activation)

    def forward(self, X: Tensor) -> Tensor:
        """The logits ``Z[L]`` (1, m), as a graph built from autograd_mini ops.

        Each layer is ``Z = W @ A + b`` (one fused affine op), then ReLU (or
        tanh: ``hidden_activation``) for all layers but the last. No dropout: predictions never use it.
        """
        return self.objective().logits(X)

    def _cost_of_logits(self, Z: Tensor, Y: Tensor) -> Tensor:
        if self.cost == "stable":
            return F.binary_cross_entropy_with_logits(Z, Y)
        AL = Z.sigmoid()
        AL.name = "AL"  # the post's name of the output layer's activation
        return F.binary_cross_entropy(AL, Y)

    def compute_cost(self, batch: Batch) -> Tensor:
        """The post's cross-entropy of the current parameters on ``batch`` (a graph)."""
        return self._cost_of_logits(self.forward(batch.X), batch.Y)

    def step(self, batch: Batch, learning_rate: float) -> float:
        """One gradient-descent step by backprop: forward, cost, backward, update.

        Returns the cost (computed before the update). Raises
        :class:`TrainingDiverged` when the cost is not finite, leaving the
        parameters as they were.
        """
        learning_rate = check_learning_rate(learning_rate)
        self._materialise()
        solver = BackpropSolver(self.objective(), batch.X.data, batch.Y.data, replay=False)
        cost = solver.gradients()
        if not math.isfinite(cost):
            raise TrainingDiverged(None, f"the cost is {cost}", kept="the parameters were not updated")
        GradientDescent(self._params, learning_rate).step()
        return cost

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, learning_rate: float = 0.0075, iterations: int | None = None, print_every: int = 100,
            callback=None, solver: str = "auto", batch_size: int | None = None, replay: bool = True, *,
            epochs: int | None = None, optimizer: str = "gd", beta: float = 0.9, beta1: float = 0.9,
            beta2: float = 0.999, epsilon: float = 1e-8, l2: float = 0.0, keep_prob: float = 1.0,
            decay: str | None = None, decay_rate: float = 1.0, decay_interval: int = 1000, decay_lag: int = 0,
            shuffle_seed=None, dropout_seed=None, step: str = "auto") -> FitHistory:
        """Train; full-batch gradient descent by default, as the tutorial's ``L_layer_model``.

        **How many steps.** Without ``batch_size``, ``iterations`` full-batch
        steps (default 2500; each step is one epoch). With ``batch_size``,
        ``epochs`` passes over the training set, reshuffled every pass and cut
        into batches of ``batch_size`` examples (the last one smaller when m is
        not a multiple); ``iterations`` is then refused (it counts full-batch
        steps), and so is ``epochs`` without ``batch_size``. A ``batch_size``
        of m or more is full-batch training for ``epochs`` steps.

        **Returns** ``[(index, cost), ...]`` for every ``print_every``-th
        iteration or epoch (0 included) and the last one. A full-batch cost is
        the one computed in that iteration, before its update; an epoch's cost
        is the course's: the sum over the epoch's batches of each batch's cost
        times its size, divided by m (each example's loss, and the batches' L2
        terms weighted by their sizes). The list also carries how it was trained
        (:class:`FitHistory`). ``callback(index, cost)``, if given, is called
        after every iteration (full batch) or epoch (mini-batches).

        **Options** (every one checked; a bad value is a ``ValueError`` or
        ``TypeError`` naming it):

        * ``optimizer``: ``"gd"``, ``"momentum"`` (``v = beta v + (1 - beta) g``,
          no bias correction) or ``"adam"`` (``beta1``, ``beta2``, ``epsilon``
          outside the square root, bias-corrected with the step count running
          across epochs); see :mod:`autograd_mini.optim`.
        * ``l2``: the cost gains ``l2 / (2 m) * sum of ||W||^2`` over every
          layer's weights (m: the training set's size, also for mini-batches);
          the engine differentiates it.
        * ``keep_prob``: inverted dropout on every hidden layer's activation
          (never the input or the output), masks ``rand < keep_prob``;
          predictions, accuracies and :meth:`gradients` never use dropout.
        * ``decay``: None, ``"inverse"`` (``lr0 / (1 + decay_rate * e)``) or
          ``"scheduled"`` (``lr0 / (1 + decay_rate * floor(e / decay_interval))``),
          with ``e`` the epoch's index (from 0) minus ``decay_lag``, at least 0.
          The course sets the rate after each epoch from that epoch's index, so
          that its first two epochs both use lr0: that is ``decay_lag=1``.
        * Randomness: the shuffles and the dropout masks come from two
          independent ``RandomState`` streams derived from the model's ``seed``
          (fresh masks every step). ``shuffle_seed(epoch)`` (epochs counted
          from 1) and ``dropout_seed(step)`` (steps counted from 0), functions
          returning a seed, reseed instead at every epoch or step: the course's
          conventions are ``shuffle_seed=lambda k: 10 + k`` and
          ``dropout_seed=lambda t: 1`` (the same masks every step).
        * ``solver``: ``"backprop"`` differentiates the whole graph each step;
          ``"gram"`` keeps W1 implicit (``a W1_0 + C X^T``) and trains the
          same iterates with far fewer FLOPs when examples are fewer than
          features, for ``optimizer`` "gd" or "momentum" with any ``l2``,
          ``keep_prob``, ``decay`` and batch size (Adam is refused; see
          :mod:`nets.model.solvers`); ``"auto"`` (default) picks ``gram`` when it
          is valid and cheaper by :func:`nets.model.solvers.flop_estimates`
          (for logistic regression, ``[n_x, 1]``, whose one layer is then the
          output layer: when m is below about 2 n_x, as on the cat data).
        * ``step``: how backprop runs a step, the same numbers every way:
          ``"replay"`` traces the step's graph once (per batch size) and
          replays it (:class:`autograd_mini.Replay`), ``"compiled"`` runs it
          as generated numpy code (:func:`autograd_mini.compile`; replayed if
          the graph cannot be compiled), ``"eager"`` builds the graph every
          step, ``"auto"`` (default) the faster of replay and compiled as
          measured (:func:`autograd_mini.tuning.fastest`). ``replay=False``
          is the older spelling of ``step="eager"``. ``history.step`` says
          what ran.

        Raises :class:`TrainingDiverged` naming the iteration (or epoch) at the
        first non-finite cost, with the parameters and the optimizer's state
        rolled back to the last ones that gave a finite cost (a non-finite
        gradient makes the next cost non-finite, so it is caught one step
        later, never kept).
        """
        learning_rate = check_learning_rate(learning_rate)
        print_every = check_count(print_every, "print_every", 1)
        if not isinstance(replay, (bool, np.bool_)):
            raise TypeError(f"replay must be True or False, got {replay!r}")
        step_kind = check_step(step, replay)
        o = check_fit_options(
            iterations=iterations, epochs=epochs, batch_size=batch_size, optimizer=optimizer, beta=beta,
            beta1=beta1, beta2=beta2, epsilon=epsilon, l2=l2, keep_prob=keep_prob, decay=decay,
            decay_rate=decay_rate, decay_interval=decay_interval, decay_lag=decay_lag,
            shuffle_seed=shuffle_seed, dropout_seed=dropout_seed)
        steps_wanted, batch_size, l2, keep_prob = o["steps"], o["batch_size"], o["l2"], o["keep_prob"]
        decay_rate, decay_interval, decay_lag = o["decay_rate"], o["decay_interval"], o["decay_lag"]
        batch = self.batch(X, Y)
        m = batch.m
        if batch_size is not None and batch_size >= m:
            batch_size = None  # one batch of everything: full-batch steps, one per epoch
        full_batch = batch_size is None
        objective = self.objective(l2=l2, m=m, keep_prob=keep_prob)
        chosen = choose_solver(solver, self.layer_dims, m, steps_wanted, full_batch=full_batch,
                               optimizer=optimizer, l2=l2, keep_prob=keep_prob, batch_size=batch_size)

        dropout = keep_prob < 1 and bool(objective.hidden_widths)
        # Two independent streams from the model's seed, drawn only when a
        # shuffle or a mask will use them (making them costs more than a small step).
        needs_streams = (not full_batch and shuffle_seed is None) or (dropout and dropout_seed is None)
        shuffle_rng, mask_rng = seeded_streams(self.seed, 2) if needs_streams else (None, None)
        sampler = FullBatch(m) if full_batch else MiniBatches(m, batch_size, shuffle_rng, shuffle_seed)
        masks = None
        if dropout:
            masks = DropoutMasks(objective.hidden_widths, keep_prob, self.dtype, mask_rng, dropout_seed)

        history = FitHistory()
        history.solver, history.optimizer = chosen, optimizer
        history.unit = "iteration" if full_batch else "epoch"
        history.batch_size = None if full_batch else batch_size
        history.batches_per_epoch = sampler.batches_per_epoch
        unit = history.unit
        start = time.perf_counter()
        # A diverging run overflows on its way to the non-finite cost that stops
        # it; TrainingDiverged reports that, numpy's warnings would only repeat it.
        # The tuning scope: products run on the BLAS threads measured best for
        # them, and the thread counts are put back when training ends.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"), tuning.scope():
            if chosen == "gram":
                trainer = GramSolver(objective, batch.X.data, batch.Y.data)
            else:
                trainer = BackpropSolver(objective, batch.X.data, batch.Y.data, batch_size=batch_size, step=step_kind)
            updates = make_optimizer(optimizer, trainer.trainable, learning_rate,
                                     beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon)
            self._trainer = trainer
            step = 0
            last_good = None  # the optimizer's state (parameters included) before the last update
            try:
                for epoch in range(steps_wanted):
                    if decay is not None:
                        e = max(epoch - decay_lag, 0)
                        updates.learning_rate = (
                            inverse_decay(learning_rate, e, decay_rate) if decay == "inverse"
                            else scheduled_decay(learning_rate, e, decay_rate, decay_interval)
                        )
                    epoch_cost = 0.0
                    for columns in sampler.epoch(epoch):
                        size = m if columns is None else len(columns)
                        step_masks = None if masks is None else masks.draw(step, size)
                        cost = trainer.gradients(columns, step_masks)
                        if not math.isfinite(cost):
                            if last_good is not None:
                                updates.restore(last_good)
                            where = "" if full_batch else f" (step {step})"
                            raise TrainingDiverged(epoch, f"the cost is {cost}{where}", unit=unit)
                        last_good = updates.state()
                        updates.step()
                        step += 1
                        epoch_cost = cost if full_batch else epoch_cost + cost * size
                    if not full_batch:
                        epoch_cost = epoch_cost / m
                    if epoch % print_every == 0 or epoch == steps_wanted - 1:
                        history.append((epoch, epoch_cost))
                    if callback is not None:
                        callback(epoch, epoch_cost)
            finally:
                # Also on an error or an interrupt: W1 must not stay implicit.
                self._trainer = None
                trainer.materialise()
                for p in self._params:
                    p.grad = None
        history.steps = step
        history.seconds = time.perf_counter() - start
        if chosen != "gram":
            kinds = getattr(trainer, "kinds", {})
            history.step = "eager" if step_kind == "eager" else (kinds.get(m if full_batch else batch_size)
                                                                 or next(iter(kinds.values()), step_kind))
        self.training = {
            "learning_rate": learning_rate, unit + "s": steps_wanted, "batch_size": history.batch_size,
            "optimizer": optimizer, **({"beta": float(beta)} if optimizer == "momentum" else {}),
            **({"beta1": float(beta1), "beta2": float(beta2), "epsilon": float(epsilon)} if optimizer == "adam" else {}),
            "l2": l2, "keep_prob": keep_prob, "decay": decay,
            **({"decay_rate": decay_rate, "decay_lag": decay_lag} if decay else {}),
            **({"decay_interval": decay_interval} if decay == "scheduled" else {}),
            "solver": chosen, "steps": step, "m": m,
            "final_cost": history[-1][1],
        }
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

    def gradients(self, X, Y, l2: float = 0.0, dropout_masks=None, keep_prob: float = 1.0) -> dict:
        """``{"dW1": ..., "db1": ..., ...}``: the cost's gradients by autodiff, parameters unchanged.

        ``l2`` adds the L2 penalty (m: the examples in X). ``dropout_masks``,
        one 0/1 array (n_l, m) per hidden layer, with ``keep_prob``, gives the
        gradients of the cost under those dropout masks (as a training step
        with those masks computes them).
        """
        batch = self.batch(X, Y)
        l2 = check_non_negative(l2, "l2")
        keep_prob = check_fraction(keep_prob, "keep_prob")
        objective = self.objective(l2=l2, m=batch.m, keep_prob=keep_prob)
        masks = None
        if dropout_masks is not None:
            widths = objective.hidden_widths
            if len(dropout_masks) != len(widths):
                raise ValueError(f"dropout_masks must hold one mask per hidden layer ({len(widths)}), "
                                 f"got {len(dropout_masks)}")
            masks = []
            for n, D in zip(widths, dropout_masks):
                D = np.asarray(D)
                if D.shape != (n, batch.m):
                    raise ValueError(f"a dropout mask must have shape {(n, batch.m)}, got {D.shape}")
                masks.append(Tensor(D.astype(self.dtype)))
        self._materialise()
        for p in self._params:
            p.grad = None
        objective.cost(batch.X, batch.Y, masks).backward()
        grads = {}
        for p in self._params:
            grads["d" + p.name] = p.grad
            p.grad = None
        return grads

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Write the model to an HDF5 file, atomically (a temporary file, then a rename)."""
        write_model(self, path)

    @classmethod
    def load(cls, path) -> "BinaryClassifier":
        """Read a model written by :meth:`save`; anything else raises :class:`ModelFileError`."""
        return read_model(cls, path)
