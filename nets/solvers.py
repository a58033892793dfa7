r"""How ``BinaryClassifier.fit`` computes its gradient-descent steps.

``backprop``: every step builds the graph ``X -> Z1 -> ... -> cost`` and lets
the engine backpropagate to every parameter; the textbook algorithm.

``gram``: the same iterates with the first layer kept implicit.
With full-batch gradient descent on a fixed X (n_x by m), every update of the
first layer is ``W1 <- W1 - lr * D X^T``, where ``D = dcost/dZ1`` (n_1 by m, the
1/m included). After t steps

    W1_t = W1_0 - lr * C_t X^T,        C_t = D_0 + D_1 + ... + D_{t-1},

so the first pre-activation is

    Z1_t = W1_t X + b1_t = P - lr * C_t G + b1_t,    P = W1_0 X,  G = X^T X (m by m).

P and G are computed once; each step then costs one (n_1 by m)(m by m)
product instead of the two (n_1 by n_x)(n_x by m) products of backprop (the
forward W1 X and the gradient D X^T). The engine still differentiates
everything from Z1 on: Z1 is built as ``(P - lr C G) + b1``, asks for its own
gradient (``retain_grad``), and hands back D, b1's gradient and all later
layers' gradients. W1 itself is materialised, ``W1_0 - lr C X^T``, when training
ends or when someone asks for the parameters.

With a learning-rate schedule the same holds with ``C_t = lr_0 D_0 + ... +
lr_{t-1} D_{t-1}`` (the rate folded into C), which is how C is kept here.

It holds exactly when the update of W1 is a fixed linear combination of past
gradients ``D_s X^T`` with the same X: plain gradient descent, with or without
decay. Here ``gram`` is valid for full-batch gradient descent without L2 or
dropout (``optimizer="gd"``, ``l2=0``, ``keep_prob=1``, any ``decay``); ``auto``
never picks it otherwise and ``gram`` is refused with the reason. (Momentum,
L2 and mini-batches keep a form of it too, with more bookkeeping; Adam does not,
since it divides by the gradients' squares elementwise.)

The solvers' interface
----------------------
A solver sees the model only through an :class:`nets.objective.Objective` (the
parameters and the cost as a graph) and the training data. ``fit`` composes it
with an optimizer (:mod:`autograd_mini.optim`) and a batch sampler
(:mod:`nets.sampling`): per step it calls ``gradients(columns, masks)`` (the
cost before the update, gradients left in the ``.grad`` of
``solver.trainable``), then ``after_update(learning_rate)`` and the optimizer's
``step()``. ``state()``/``restore()`` let ``fit`` roll back a diverged step;
``materialise()`` writes any implicit parameter back into its Tensor.
"""
from __future__ import annotations

import math

import numpy as np

from autograd_mini import Replay, Tensor
from autograd_mini.optim import GradientDescent

SOLVERS = ("auto", "backprop", "gram")


def flop_estimates(layer_dims, m: int, iterations: int) -> dict:
    """Multiply-adds x 2 that the two solvers spend on the first layer over a run.

    Layers after the first cost the same in both and are left out.
    backprop: per step ``W1 X`` and ``D X^T``; gram: per step ``C G``, plus
    ``G = X^T X`` (symmetric, so numpy computes half of it), ``P = W1_0 X`` and
    the final ``W1_0 - lr C X^T`` once.
    """
    n0, n1 = layer_dims[0], layer_dims[1]
    backprop = iterations * 2 * (2 * n1 * n0 * m)
    gram = iterations * 2 * n1 * m * m + n0 * m * m + 2 * (2 * n1 * n0 * m)
    return {"backprop": backprop, "gram": gram}


def gram_unsupported(full_batch: bool, optimizer: str = "gd", l2: float = 0.0, keep_prob: float = 1.0):
    """Why ``gram`` cannot train this combination, or None when it can."""
    if not full_batch:
        return ("solver='gram' needs the same X at every step (full-batch gradient descent); "
                "with batch_size set, each step sees another mini-batch")
    if optimizer != "gd":
        return f"solver='gram' supports optimizer='gd' only for now, not {optimizer!r}"
    if l2 != 0:
        return "solver='gram' does not support l2 yet (the penalty's gradient involves W1 itself)"
    if keep_prob != 1:
        return "solver='gram' does not support dropout (keep_prob < 1) yet"
    return None


def choose_solver(requested: str, layer_dims, m: int, iterations: int, full_batch: bool,
                  optimizer: str = "gd", l2: float = 0.0, keep_prob: float = 1.0) -> str:
    """The solver ``fit`` will use: ``requested`` unless it is ``auto``, checked for validity.

    ``auto`` picks ``gram`` when it is valid for the combination and cheaper by
    :func:`flop_estimates`; ``gram`` asked for an unsupported combination is a
    ``ValueError`` saying why.
    """
    if not isinstance(requested, str) or requested not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {requested!r}")
    unsupported = gram_unsupported(full_batch, optimizer, l2, keep_prob)
    if requested == "gram" and unsupported:
        raise ValueError(f"{unsupported}. Use solver='backprop' or 'auto'")
    if requested != "auto":
        return requested
    if unsupported:
        return "backprop"
    flops = flop_estimates(layer_dims, m, iterations)
    return "gram" if flops["gram"] < flops["backprop"] else "backprop"


class BackpropSolver:
    """Gradients through the whole graph, on all examples or on the columns of a mini-batch.

    ``replay=True`` (what ``fit`` uses) traces the step's graph once per batch
    size and replays it (:class:`autograd_mini.Replay`): the same ops and
    numbers as eager mode without rebuilding the graph in Python; the data,
    labels and dropout masks are leaves whose arrays change every step.
    ``replay=False`` builds the graph eagerly every step.
    """

    name = "backprop"

    def __init__(self, objective, X: np.ndarray, Y: np.ndarray, replay: bool = True):
        self.objective, self.X, self.Y, self.replay = objective, X, Y, replay
        self.trainable = list(objective.params)
        # batch size -> (X leaf, Y leaf, mask leaves, Replay)
        self.traces = {}

    def _arrays(self, columns):
        if columns is None:
            return self.X, self.Y
        return self.X[:, columns], self.Y[:, columns]

    def gradients(self, columns=None, masks=None) -> float:
        """The cost on these columns (None: all) with these dropout masks; gradients into ``.grad``.

        On a non-finite cost no gradient is computed.
        """
        X, Y = self._arrays(columns)
        if not self.replay:
            cost = self.objective.cost(Tensor(X), Tensor(Y), None if masks is None else [Tensor(d) for d in masks])
            value = cost.item()
            if math.isfinite(value):
                cost.backward()
            return value
        size = X.shape[1]
        trace = self.traces.get(size)
        if trace is None:
            x_leaf, y_leaf = Tensor(X), Tensor(Y)
            mask_leaves = None if masks is None else [Tensor(d) for d in masks]
            replay = Replay(lambda: self.objective.cost(x_leaf, y_leaf, mask_leaves))
            trace = self.traces[size] = (x_leaf, y_leaf, mask_leaves, replay)
        x_leaf, y_leaf, mask_leaves, replay = trace
        x_leaf.data, y_leaf.data = X, Y
        if masks is not None:
            for leaf, d in zip(mask_leaves, masks):
                leaf.data = d
        value = replay.forward().item()
        if math.isfinite(value):
            replay.backward()
        return value

    def after_update(self, learning_rate: float) -> None:
        """Nothing is implicit in this solver."""

    def state(self):
        return None

    def restore(self, state) -> None:
        """Nothing is implicit in this solver."""

    def materialise(self) -> None:
        """Nothing is implicit in this solver."""

    def finish(self) -> None:
        """Nothing is implicit in this solver."""


class GramSolver:
    """Gradient descent with W1 implicit: ``Z1 = P - C @ G + b1`` (see the module docstring).

    ``trainable`` is every parameter but W1 (the optimizer updates those);
    W1's update is folded into C by :meth:`after_update`. The graph from Z1 on
    is the same every step: it is traced once and replayed.
    """

    name = "gram"

    def __init__(self, objective, X: np.ndarray, Y: np.ndarray):
        params = objective.params
        self.W1, self.b1 = params[0], params[1]
        self.trainable = list(params[1:])
        self.X = X
        self.W1_initial = self.W1.data
        self.P = self.W1_initial @ X
        self.G = X.T @ X
        self.C = np.zeros_like(self.P)
        self.D = None
        # P - C @ G, refreshed every step; a leaf of the traced graph.
        self.first = Tensor(self.P)
        self.Z1 = None
        y_leaf = Tensor(Y)

        def cost():
            self.Z1 = (self.first + self.b1).retain_grad()
            return objective.cost(None, y_leaf, Z1=self.Z1)

        self.replay = Replay(cost)

    def gradients(self, columns=None, masks=None) -> float:
        self.first.data = self.P - self.C @ self.G
        value = self.replay.forward().item()
        if math.isfinite(value):
            self.replay.backward()
            self.D, self.Z1.grad = self.Z1.grad, None
        return value

    def after_update(self, learning_rate: float) -> None:
        """W1 <- W1 - lr D X^T, kept as C <- C + lr D."""
        self.C = self.C + learning_rate * self.D

    def state(self):
        return self.C

    def restore(self, state) -> None:
        self.C = state

    def materialise(self) -> None:
        """Write the current W1 = W1_0 - C @ X^T into the model's first parameter."""
        self.W1.data = self.W1_initial - self.C @ self.X.T

    def finish(self) -> None:
        self.materialise()


def gradient_descent_step(objective, X, Y, learning_rate: float, solver: str = "backprop", replay: bool = True):
    """A function running one full-batch gradient-descent step and returning its cost (for benchmarks).

    The same step ``fit`` runs (``solver`` "backprop" or "gram"), without its
    bookkeeping: no divergence check, no history.
    """
    trainer = GramSolver(objective, X, Y) if solver == "gram" else BackpropSolver(objective, X, Y, replay=replay)
    optimizer = GradientDescent(trainer.trainable, learning_rate)

    def step() -> float:
        cost = trainer.gradients()
        trainer.after_update(learning_rate)
        optimizer.step()
        return cost

    step.solver = trainer
    return step
