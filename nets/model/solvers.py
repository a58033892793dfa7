r"""How ``BinaryClassifier.fit`` computes its gradients.

``backprop``: every step builds the graph ``X_B -> Z1 -> ... -> cost`` on the
step's batch and lets the engine backpropagate to every parameter; the
textbook algorithm.

``gram``: the same iterates with the first layer's weights kept implicit.

The representation
------------------
X (n_x by m) is the whole training set and never changes. A batch B is a set
of columns, ``X_B = X S_B`` with S_B (m by |B|) selecting them (S_B = I for a
full batch). With ``D = dcost/dZ1`` on the batch (n_1 by |B|, 1/m included),
the first layer's gradient is

    dW1 = D X_B^T + kappa W1 = (D S_B^T) X^T + kappa W1,    kappa = l2 / m,

"an n_1 by m matrix times X^T, plus a multiple of W1". Write

    W1 = a W1_0 + C X^T          (a a scalar, C n_1 by m; a = 1, C = 0 at the start)

and call (a, C) W1's coordinates. Then dW1 has coordinates
``(kappa a, D S_B^T + kappa C)`` (``D S_B^T`` is D scattered into the batch's
columns of an n_1 by m zero matrix). A *linear* update rule (``linear`` in
:mod:`autograd_mini.optim`: each step sets every element of the parameter and
of its buffers to the same fixed linear combination of that element's
parameter, gradient and buffer values) commutes with this linear map
``(a, C) -> a W1_0 + C X^T``: running it on the coordinates, with the
gradient's coordinates as their gradient, gives the coordinates of what it
would have done to W1. So the optimizer updates a and C in place of W1, and
its buffers for them are the coordinates of its buffers for W1. Gradient
descent (``W1 - lr g``) and momentum (``v = beta v + (1 - beta) g``,
``W1 - lr v``) are linear, with any learning-rate schedule (the coefficients
may change from step to step, not from element to element). Adam is not: it
divides by the square root of the gradients' squares, elementwise, which does
not commute with a change of coordinates; ``gram`` refuses it.

What the solver computes instead of W1's products with X, with ``P = W1_0 X``
and ``G = X^T X`` (m by m) computed once:

    Z1_B = W1 X_B + b1 = a P[:, B] + C G[:, B] + b1                 (n_1 m |B| multiply-adds)
    ||W1||^2 = a^2 ||W1_0||^2 + 2 a <C, P> + <C G, C>                 (n_1 m^2, only with L2)

against backprop's ``W1 X_B`` and ``D X_B^T``, 2 n_1 n_x |B| multiply-adds.
On the cat data (n_x = 12288, m = 209) that is about 60 times fewer for the
first pre-activation, at any batch size. W1 itself is formed, ``a W1_0 + C
X^T``, when training ends (also after an error or an interrupt) and when
someone asks for the parameters during training.

Dropout multiplies hidden activations (after Z1's ReLU) and so changes only
D: the first layer keeps its form, and the masks come from the same
:class:`nets.model.sampling.DropoutMasks` as backprop's.

Where each gradient comes from
------------------------------
The engine differentiates everything from Z1 on: Z1 is built as the leaf
``a P[:, B] + C G[:, B]`` plus b1, asks for its own gradient
(``retain_grad``) and hands back D, b1's gradient and all later layers'. The
L2 penalty is the objective's own (:meth:`nets.model.objective.Objective.penalty`)
with ``||W1||^2`` given as a leaf holding its value from the formula above, a
leaf that requires grad: the engine differentiates the cost with respect to
it, which gives ``dcost/d||W1||^2`` (``l2 / (2m)`` as the objective writes
the penalty), and the chain rule through ``d||W1||^2/dW1 = 2 W1`` makes the
penalty's part of dW1 ``kappa W1`` with ``kappa = 2 dcost/d||W1||^2``, whose
coordinates are ``(kappa a, kappa C)``. The cost's value is the objective's
formula with the same terms, equal to backprop's up to rounding.

Cost per step, first layer: ``C G[:, B]`` (or the whole ``C G`` with L2,
which ``||W1||^2`` needs), elementwise work on n_1 by m arrays for the
scatter and the optimizer; nothing of size n_x. Once: G (n_x m^2 / 2 with
symmetry), P and the final W1 (n_1 n_x m each).

The solvers' interface
----------------------
A solver sees the model only through an :class:`nets.model.objective.Objective` (the
parameters and the cost as a graph) and the training data. ``fit`` composes it
with an optimizer (:mod:`autograd_mini.optim`) over ``solver.trainable`` and a
batch sampler (:mod:`nets.model.sampling`): per step it calls
``gradients(columns, masks)`` (the cost before the update, gradients left in
the ``.grad`` of ``solver.trainable``), then the optimizer's ``step()``. A
solver keeps no state of its own between steps beyond its traces: gram's
coordinates and their buffers are the optimizer's parameters, so the
optimizer's ``state()``/``restore()`` roll a diverged step back whole.
``materialise()`` writes any implicit parameter back into its Tensor (at the
end of a fit, and when someone asks for the parameters during one).
"""
from __future__ import annotations

import math

import numpy as np

from autograd_mini import CompileError, Replay, Tensor, compile, tuning
from autograd_mini.optim import OPTIMIZERS, GradientDescent

SOLVERS = ("auto", "backprop", "gram")
#: How backprop runs a step: measured fastest, eagerly, replayed, or as compiled code.
STEPS = ("auto", "eager", "replay", "compiled")


def flop_estimates(layer_dims, m: int, steps: int, batch_size: int | None = None, l2: float = 0.0) -> dict:
    """Multiply-adds x 2 that the two solvers spend on the first layer over a run.

    ``steps`` counts full-batch iterations, or epochs when ``batch_size`` is
    below m. Layers after the first cost the same in both and are left out.
    backprop, per epoch: ``W1 X_B`` and ``D X_B^T`` over the batches,
    ``2 * 2 n_1 n_x m``. gram, per epoch: ``C G[:, B]`` over the batches,
    ``2 n_1 m^2``, but the whole ``C G`` at every step with L2 on mini-batches
    (for ``||W1||^2``); once: ``G = X^T X`` (symmetric, so numpy computes half
    of it), ``P = W1_0 X`` and the final ``a W1_0 + C X^T``.
    """
    n0, n1 = layer_dims[0], layer_dims[1]
    batches = 1 if batch_size is None or batch_size >= m else -(-m // batch_size)
    backprop = steps * 2 * (2 * n1 * n0 * m)
    per_epoch = 2 * n1 * m * m * (batches if l2 else 1)
    gram = steps * per_epoch + n0 * m * m + 2 * (2 * n1 * n0 * m)
    return {"backprop": backprop, "gram": gram}


def gram_unsupported(optimizer: str = "gd"):
    """Why ``gram`` cannot train with this optimizer, or None when it can.

    Every batch size, L2 strength, dropout and decay is supported; the update
    rule must be linear (see the module docstring).
    """
    rule = OPTIMIZERS.get(optimizer)
    if rule is not None and not rule.linear:
        return (f"solver='gram' needs an update rule linear in the gradients (gd or momentum); "
                f"optimizer={optimizer!r} divides by the gradients' squares elementwise, which does not "
                f"keep W1 in the form a W1_0 + C X^T")
    return None


def choose_solver(requested: str, layer_dims, m: int, steps: int, full_batch: bool = True,
                  optimizer: str = "gd", l2: float = 0.0, keep_prob: float = 1.0,
                  batch_size: int | None = None) -> str:
    """The solver ``fit`` will use: ``requested`` unless it is ``auto``, checked for validity.

    ``auto`` picks ``gram`` when it is valid for the combination and cheaper by
    :func:`flop_estimates`; ``gram`` asked for an unsupported combination is a
    ``ValueError`` saying why. ``keep_prob`` does not matter to either solver's
    validity or cost; ``batch_size`` is needed when ``full_batch`` is False.
    """
    if not isinstance(requested, str) or requested not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {requested!r}")
    if not full_batch and batch_size is None:
        raise ValueError("choose_solver: batch_size is needed when full_batch is False")
    unsupported = gram_unsupported(optimizer)
    if requested == "gram" and unsupported:
        raise ValueError(f"{unsupported}. Use solver='backprop' or 'auto'")
    if requested != "auto":
        return requested
    if unsupported:
        return "backprop"
    flops = flop_estimates(layer_dims, m, steps, None if full_batch else batch_size, l2)
    return "gram" if flops["gram"] < flops["backprop"] else "backprop"


def check_step(step, replay=True) -> str:
    """``fit``'s ``step`` option with ``replay=False`` as its alias of ``"eager"``; a clear error otherwise."""
    if not isinstance(step, str) or step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    if not replay:
        if step not in ("auto", "eager"):
            raise ValueError(f"replay=False means step='eager'; it contradicts step={step!r}")
        return "eager"
    return step


class BackpropSolver:
    """Gradients through the whole graph, on all examples or on the columns of a mini-batch.

    ``step`` says how a step runs. ``"replay"`` traces the step's graph once per
    batch size and replays it (:class:`autograd_mini.Replay`): the same ops and
    numbers as eager mode without rebuilding the graph in Python; the data,
    labels and dropout masks are leaves whose arrays change every step.
    ``"compiled"`` runs the traced step as generated numpy code
    (:func:`autograd_mini.compile`), the same numbers again; a graph that
    cannot be compiled is replayed instead. ``"auto"`` (what ``fit`` uses)
    traces both and keeps the one measured faster
    (:func:`autograd_mini.tuning.fastest`, where every such choice is made).
    ``"eager"`` builds the graph every step. ``replay=False`` is the older
    spelling of ``step="eager"``. ``kinds`` records what ran per batch size.

    X is kept in the memory order measured fastest for the first layer's
    products and for gathering batches of ``batch_size`` columns
    (:func:`autograd_mini.tuning.operand_layout`): a copy in the other order
    when that wins, X itself otherwise.
    """

    name = "backprop"

    def __init__(self, objective, X: np.ndarray, Y: np.ndarray, replay: bool = True, batch_size: int | None = None,
                 step: str | None = None):
        X = tuning.operand_layout(X, rows=objective.params[0].shape[0], batch=batch_size)
        # Without step, replay says which of the two older ways (replay or eager) runs.
        self.step = ("replay" if replay else "eager") if step is None else check_step(step, replay)
        self.objective, self.X, self.Y, self.replay = objective, X, Y, self.step != "eager"
        self.trainable = list(objective.params)
        # batch size -> (X leaf, Y leaf, mask leaves, Replay or Compiled)
        self.traces = {}
        #: batch size -> "replay" or "compiled": what runs the step ("eager": nothing traced).
        self.kinds = {}
        #: Why a step that was to be compiled is replayed (a CompileError's message), or None.
        self.compile_error = None

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
            x_leaf, y_leaf = Tensor(X, name="X"), Tensor(Y, name="Y")
            mask_leaves = None if masks is None else [Tensor(d, name=f"D{k + 1}") for k, d in enumerate(masks)]
            runner = self._runner(lambda: self.objective.cost(x_leaf, y_leaf, mask_leaves), size)
            trace = self.traces[size] = (x_leaf, y_leaf, mask_leaves, runner)
        x_leaf, y_leaf, mask_leaves, runner = trace
        x_leaf.data, y_leaf.data = X, Y
        if masks is not None:
            for leaf, d in zip(mask_leaves, masks):
                leaf.data = d
        value = runner.forward().item()
        if math.isfinite(value):
            runner.backward()
        return value

    def _runner(self, fn, size: int):
        """A Replay or a Compiled step of ``fn``, as ``step`` asks (a measured choice for "auto")."""
        replay = compiled = None
        if self.step in ("replay", "auto"):
            replay = Replay(fn)
        if self.step in ("compiled", "auto"):
            try:
                compiled = compile(fn)
            except CompileError as error:
                self.compile_error = str(error)
        if compiled is None:
            self.kinds[size] = "replay"
            return replay if replay is not None else Replay(fn)
        if replay is None:
            self.kinds[size] = "compiled"
            return compiled

        def run(runner):
            def one_step():
                runner.forward()
                runner.backward()
            return one_step

        choice = tuning.fastest(("training step",) + compiled.signature,
                                {"replay": run(replay), "compiled": run(compiled)})
        for p in self.trainable:  # the measurement's gradients are not this step's
            p.grad = None
        self.kinds[size] = choice
        return compiled if choice == "compiled" else replay

    def materialise(self) -> None:
        """Nothing is implicit in this solver."""


class GramSolver:
    """W1 kept as ``a W1_0 + C X^T`` and trained through its coordinates (see the module docstring).

    ``trainable`` is ``[a, C, b1, W2, b2, ...]``: the optimizer updates the
    coordinates a (1 by 1) and C (n_1 by m) of W1 in place of W1, which is
    exact for a linear update rule (``Optimizer.linear``), momentum's buffer
    included. The graph from Z1 on is traced once per batch size and replayed.
    """

    name = "gram"

    def __init__(self, objective, X: np.ndarray, Y: np.ndarray):
        params = objective.params
        self.objective = objective
        self.W1 = params[0]
        self.X, self.Y = X, Y
        self.W1_initial = W0 = self.W1.data
        dtype = W0.dtype
        self.P = W0 @ X
        self.G = X.T @ X
        self.a = Tensor(np.ones((1, 1), dtype=dtype), requires_grad=True, name="W1.a")
        self.C = Tensor(np.zeros_like(self.P), requires_grad=True, name="W1.C")
        self.trainable = [self.a, self.C] + list(params[1:])
        # ||W1_0||^2, for the L2 penalty's value.
        self.N = np.vdot(W0, W0)
        # batch size -> (first-layer leaf, Y leaf, mask leaves, ||W1||^2 leaf or None, holder of Z1, Replay)
        self.traces = {}

    def _trace(self, size: int, Y: np.ndarray, masks):
        first = Tensor(np.zeros((self.P.shape[0], size), dtype=self.P.dtype))
        y_leaf = Tensor(Y)
        mask_leaves = None if masks is None else [Tensor(d) for d in masks]
        # ||W1||^2 as a leaf that requires grad: the engine differentiates the
        # penalty through it (the module docstring says how that becomes W1's gradient).
        square = Tensor(np.zeros((), dtype=self.P.dtype), requires_grad=True) if self.objective.l2 else None
        holder = {}

        def cost():
            holder["Z1"] = (first + self.objective.params[1]).retain_grad()
            return self.objective.cost(None, y_leaf, mask_leaves, Z1=holder["Z1"], first_square=square)

        return first, y_leaf, mask_leaves, square, holder, Replay(cost)

    def gradients(self, columns=None, masks=None) -> float:
        """The cost of the batch ``columns`` (None: all) under ``masks``; gradients into ``.grad``.

        ``a.grad`` and ``C.grad`` receive the coordinates of W1's gradient.
        On a non-finite cost no gradient is computed.
        """
        a, C = self.a.data, self.C.data
        l2 = self.objective.l2
        # C G is needed whole for ||W1||^2 (L2) and for a full batch; otherwise
        # only the batch's columns of it.
        K = C @ self.G if (l2 or columns is None) else None
        if columns is None:
            Y, first = self.Y, a * self.P + K
        else:
            Y = self.Y[:, columns]
            first = a * self.P[:, columns] + (K[:, columns] if K is not None else C @ self.G[:, columns])
        size = first.shape[1]
        trace = self.traces.get(size)
        if trace is None:
            trace = self.traces[size] = self._trace(size, Y, masks)
        first_leaf, y_leaf, mask_leaves, square, holder, replay = trace
        first_leaf.data, y_leaf.data = first, Y
        if masks is not None:
            for leaf, d in zip(mask_leaves, masks):
                leaf.data = d
        if square is not None:
            # ||a W1_0 + C X^T||^2 = a^2 ||W1_0||^2 + 2 a <C, P> + <C G, C>: nothing of size n_x.
            # Doubling as a sum: ``2 * s`` would be float64 on numpy 1.x for a float32 s.
            s = a[0, 0]
            square.data = np.asarray(s * s * self.N + (s + s) * np.vdot(C, self.P) + np.vdot(C, K), dtype=C.dtype)
        value = replay.forward().item()
        if not math.isfinite(value):
            return value
        replay.backward()
        Z1 = holder["Z1"]
        D, Z1.grad = Z1.grad, None
        if columns is not None:
            # D X_B^T = D S_B^T X^T: D's columns scattered to the batch's places in an n_1 by m matrix.
            scattered = np.zeros_like(C)
            scattered[:, columns] = D
            D = scattered
        if square is None:
            self.a.grad, self.C.grad = np.zeros_like(a), D
        else:
            # The penalty's part of dcost/dW1 is dcost/d||W1||^2 * 2 W1 = kappa (a W1_0 + C X^T).
            kappa = square.grad + square.grad  # 2 dcost/d||W1||^2, in its dtype on any numpy
            square.grad = None
            self.a.grad, self.C.grad = kappa * a, D + kappa * C
        return value

    def materialise(self) -> None:
        """Write the current W1 = a W1_0 + C X^T into the model's first parameter."""
        self.W1.data = self.a.data * self.W1_initial + self.C.data @ self.X.T


def gradient_descent_step(objective, X, Y, learning_rate: float, solver: str = "backprop", replay: bool = True,
                          step: str | None = None):
    """A function running one full-batch gradient-descent step and returning its cost (for benchmarks).

    The same step ``fit`` runs (``solver`` "backprop" or "gram"), without its
    bookkeeping: no divergence check, no history.
    """
    trainer = (GramSolver(objective, X, Y) if solver == "gram"
               else BackpropSolver(objective, X, Y, replay=replay, step=step))
    optimizer = GradientDescent(trainer.trainable, learning_rate)

    def step() -> float:
        cost = trainer.gradients()
        optimizer.step()
        return cost

    step.solver = trainer
    return step
