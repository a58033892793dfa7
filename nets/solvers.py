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

It holds exactly when the update of W1 is a fixed linear combination of past
gradients ``D_s X^T`` with the same X: plain gradient descent (and linear rules
such as momentum). It does not hold for mini-batches (X changes between
steps), for Adam or for any update that depends on W1 itself. ``fit`` offers
full-batch gradient descent and mini-batches; with mini-batches ``auto`` uses
backprop and ``gram`` is refused.
"""
from __future__ import annotations

import math

import numpy as np

from autograd_mini import Replay, Tensor

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


def choose_solver(requested: str, layer_dims, m: int, iterations: int, full_batch: bool) -> str:
    """The solver ``fit`` will use: ``requested`` unless it is ``auto``, checked for validity."""
    if not isinstance(requested, str) or requested not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {requested!r}")
    if requested == "gram" and not full_batch:
        raise ValueError(
            "solver='gram' needs the same X at every step (full-batch gradient descent); "
            "with batch_size set, each step sees another mini-batch. Use solver='backprop' or 'auto'"
        )
    if requested != "auto":
        return requested
    if not full_batch:
        return "backprop"
    flops = flop_estimates(layer_dims, m, iterations)
    return "gram" if flops["gram"] < flops["backprop"] else "backprop"


class BackpropSolver:
    """Plain gradient descent through the whole graph, on one batch or a batch per step.

    ``replay=True`` (what ``fit`` uses for full-batch training, where the graph
    is the same every step) traces the step's graph once and replays it
    (:class:`autograd_mini.Replay`): the same ops and numbers as eager mode
    without rebuilding the graph in Python. ``replay=False`` builds it eagerly
    every step, as mini-batches need.
    """

    name = "backprop"

    def __init__(self, model, next_batch, learning_rate: float, replay: bool = False):
        self.model, self.next_batch, self.learning_rate = model, next_batch, learning_rate
        # The parameters before the last update, to roll back a divergence.
        self.previous = None
        self.replay = Replay(lambda: model.compute_cost(next_batch())) if replay else None

    def step(self) -> float:
        """One step; on a non-finite cost, roll back to the last parameters with a finite one."""
        params = self.model._params
        if self.replay is not None:
            cost = self.replay.forward().item()
        else:
            cost_tensor = self.model.compute_cost(self.next_batch())
            cost = cost_tensor.item()
        if not math.isfinite(cost):
            # Checking the scalar cost every step is free; checking every
            # gradient is not. A non-finite gradient makes the next cost
            # non-finite, and the rollback undoes its update.
            if self.previous is not None:
                for p, data in zip(params, self.previous):
                    p.data = data
            return cost
        if self.replay is not None:
            self.replay.backward()
        else:
            cost_tensor.backward()
        # New arrays for the update (as the post's update_parameters makes),
        # keeping the old ones: a rollback then needs no copies.
        self.previous = [p.data for p in params]
        lr = self.learning_rate
        for p in params:
            p.data = p.data - lr * p.grad
            p.grad = None
        return cost

    def materialise(self) -> None:
        """Nothing is implicit in this solver."""

    def finish(self) -> None:
        """Nothing is implicit in this solver."""


class GramSolver:
    """Gradient descent with W1 implicit: ``Z1 = P - lr * C @ G + b1`` (see the module docstring).

    The graph from Z1 on is the same every step: it is traced once and replayed.
    """

    name = "gram"

    def __init__(self, model, batch, learning_rate: float):
        self.model, self.batch, self.learning_rate = model, batch, learning_rate
        X = batch.X.data
        self.X = X
        self.W1_initial = model._params[0].data
        self.P = self.W1_initial @ X
        self.G = X.T @ X
        self.C = np.zeros_like(self.P)
        self.previous = None
        # P - lr * C @ G, refreshed every step; a leaf of the traced graph.
        self.first = Tensor(self.P)
        self.Z1 = None

        def cost():
            self.Z1 = (self.first + model._params[1]).retain_grad()
            return model._cost_of_logits(model._forward_from(self.Z1), batch)

        self.replay = Replay(cost)

    def step(self) -> float:
        params = self.model._params
        lr = self.learning_rate
        self.first.data = self.P - lr * (self.C @ self.G)
        cost = self.replay.forward().item()
        if not math.isfinite(cost):
            if self.previous is not None:
                self.C, rest = self.previous
                for p, data in zip(params[1:], rest):
                    p.data = data
            return cost
        self.replay.backward()
        self.previous = (self.C, [p.data for p in params[1:]])
        self.C = self.C + self.Z1.grad
        self.Z1.grad = None
        for p in params[1:]:
            p.data = p.data - lr * p.grad
            p.grad = None
        return cost

    def materialise(self) -> None:
        """Write the current W1 = W1_0 - lr * C @ X^T into the model's first parameter."""
        self.model._params[0].data = self.W1_initial - self.learning_rate * (self.C @ self.X.T)

    def finish(self) -> None:
        self.materialise()
