"""Update rules for any list of Tensors, and learning-rate schedules.

An optimizer reads each parameter's ``.grad`` (filled by ``backward()``) and
assigns a new array to its ``.data``::

    opt = Adam([W, b], learning_rate=0.01)
    for _ in range(steps):
        cost = fn(W, b)
        cost.backward()
        opt.step()        # W.data, b.data replaced; their .grad cleared

**One flat array.** The small parameters of one dtype are kept as consecutive
pieces of one flat array (each ``.data`` a C-ordered view of its piece), and an
update rule runs once on the whole flat array, its gradients gathered into one
flat array too; a parameter of ``SHARED_ARRAY_LIMIT`` elements or more keeps an
array of its own, so that its gradient is not copied. The arithmetic is
elementwise, so each element gets the same operations in the same order as a
per-parameter update would give it: the same numbers to the last bit, with a
few numpy calls per step instead of a few per parameter (for a small network
the calls, not the arithmetic, are what a step costs). Building an optimizer
copies the parameters' values into its arrays (each ``.data`` becomes a view);
a ``.data`` assigned from outside between steps is noticed and taken in (the
flat array is rebuilt from the parameters' current values).

Every update makes a new flat array rather than writing into the old one. That
costs nothing extra (the arithmetic makes one anyway) and means a snapshot of
the state (:meth:`Optimizer.state`) is a list of references, so rolling back a
diverged step (:meth:`Optimizer.restore`) needs no copies.

The formulas are the course's, in its order of operations, so that the same
gradients give the same parameters to the last bit as ``nets.manual``'s
``update_parameters_with_gd/momentum/adam``.
"""
from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .tensor import Tensor

__all__ = ["Optimizer", "GradientDescent", "Momentum", "Adam", "OPTIMIZERS", "make_optimizer", "check_hyper_parameters",
           "inverse_decay", "scheduled_decay"]


def _check_fraction(value, name: str, low_open: bool = False) -> float:
    """A real number in [0, 1) (or (0, 1) when ``low_open``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    low_ok = value > 0 if low_open else value >= 0
    if not (low_ok and value < 1):
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def _check_positive(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


#: Parameters with at least this many elements get a flat array of their own.
SHARED_ARRAY_LIMIT = 1 << 16


class _Group:
    """Parameters of one dtype as consecutive pieces of one flat array."""

    __slots__ = ("members", "pieces", "dtype", "size")

    def __init__(self, members, params):
        self.members = members  # indices into the optimizer's params
        self.pieces = []  # (slice of the flat array, shape) of each member
        start = 0
        for i in members:
            size = params[i].data.size
            self.pieces.append((slice(start, start + size), params[i].data.shape))
            start += size
        self.size = start
        self.dtype = params[members[0]].data.dtype

    def flatten(self, arrays, copy: bool = True) -> np.ndarray:
        """The members' arrays as one flat array, C order within each piece.

        ``copy=False`` allows a view of a lone C-ordered member (gradients are
        only read).
        """
        # ravel: a view of a C-ordered array, a C-order copy of any other
        # (much cheaper per call than reshape(-1)); concatenate always copies.
        if len(arrays) == 1 and not copy:
            return arrays[0].ravel()
        return np.concatenate([a.ravel() for a in arrays])

    def views(self, flat):
        return [flat[piece].reshape(shape) for piece, shape in self.pieces]


class Optimizer:
    """The common part: parameters kept flat, the learning rate, zero_grad, state and restore.

    ``learning_rate`` is a plain attribute: a schedule sets it between steps.
    Subclasses implement :meth:`_update` (one flat group of parameters, with
    its flat gradient) and list their flat per-group buffers in ``_buffers``.
    """

    name = "?"
    _buffers: tuple = ()
    #: True when a step is, for every element alike, a fixed linear combination
    #: of the parameter, its gradient and its buffers (coefficients that depend
    #: only on the hyper-parameters, the learning rate and the step count).
    #: Such a rule commutes with any linear change of coordinates: running it on
    #: the coordinates (a, C) of ``p = a * U + C @ V`` gives the coordinates of
    #: what it would have done to p. Adam divides by the gradients' squares and
    #: is not linear.
    linear = False

    def __init__(self, params, learning_rate: float):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: the list of parameters is empty")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: parameter {i} does not require grad")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears twice in the list")
        self.params = params
        self.learning_rate = _check_positive(learning_rate, "learning_rate")
        #: Steps taken (Adam's t).
        self.steps = 0
        # Small parameters of one dtype share a flat array: for them a numpy
        # call costs more than the arithmetic. A large one (a first layer's
        # weights) is a group of its own: gathering its gradient into a shared
        # array would copy megabytes per step to save one call.
        groups = {}
        for i, p in enumerate(params):
            key = (p.data.dtype, i if p.data.size >= SHARED_ARRAY_LIMIT else None)
            groups.setdefault(key, []).append(i)
        self._groups = [_Group(members, params) for members in groups.values()]
        #: Per group: the flat array whose views the parameters hold.
        self._flats = [None] * len(self._groups)
        #: Per group: the views handed out, to notice a .data assigned from outside.
        self._handed = [()] * len(self._groups)
        for k in range(len(self._groups)):
            self._take_in(k)
        for buffer in self._buffers:
            setattr(self, buffer, [np.zeros(g.size, dtype=g.dtype) for g in self._groups])

    def _take_in(self, k: int) -> np.ndarray:
        """Group k's flat array, rebuilt from the parameters' current data when one was reassigned."""
        group, handed = self._groups[k], self._handed[k]
        datas = [self.params[i].data for i in group.members]
        if len(handed) != len(datas) or not all(map(operator.is_, datas, handed)):
            self._install(k, group.flatten(datas))
        return self._flats[k]

    def _install(self, k: int, flat: np.ndarray) -> None:
        views = self._groups[k].views(flat)
        for i, view in zip(self._groups[k].members, views):
            self.params[i].data = view
        self._flats[k], self._handed[k] = flat, views

    def step(self) -> None:
        """Update every parameter from its ``.grad``, then clear the gradients.

        A parameter without a gradient (unused by the cost) is an error: a
        silent skip would hide a disconnected graph.
        """
        self._check_grads()
        self.steps += 1
        self._begin_step()
        params = self.params
        for k, group in enumerate(self._groups):
            value = self._take_in(k)
            grads = [params[i].grad for i in group.members]
            grad = group.flatten(grads, copy=False)
            self._install(k, self._update(k, value, grad))
            for i in group.members:
                params[i].grad = None

    def _begin_step(self) -> None:
        """Per-step quantities shared by every group (Adam's bias corrections)."""

    def _check_grads(self) -> None:
        for p in self.params:
            if p.grad is None:
                i = next(k for k, q in enumerate(self.params) if q is p)
                raise RuntimeError(
                    f"{type(self).__name__}.step: parameter {i} ({p.name or 'unnamed'}) has no gradient; "
                    f"call backward() on a cost that uses it first"
                )

    def _update(self, k: int, value: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Group k's new flat values from its flat ``value`` and ``grad`` (updating its buffers)."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state(self):
        """A snapshot (references, no copies) of the parameters and the optimizer's buffers."""
        flats = [self._take_in(k) for k in range(len(self._groups))]
        buffers = {b: list(getattr(self, b)) for b in self._buffers} if self._buffers else None
        return flats, self.steps, buffers

    def restore(self, snapshot) -> None:
        """Put back what :meth:`state` returned."""
        flats, self.steps, buffers = snapshot
        for k, flat in enumerate(flats):
            self._install(k, flat)
        for p in self.params:
            p.grad = None
        for b, values in (buffers or {}).items():
            setattr(self, b, list(values))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, learning_rate={self.learning_rate:g})"


class GradientDescent(Optimizer):
    """``p = p - learning_rate * g``."""

    name = "gd"
    linear = True

    def _update(self, k, value, grad):
        return value - self.learning_rate * grad


class Momentum(Optimizer):
    """``v = beta v + (1 - beta) g``; ``p = p - learning_rate * v`` (no bias correction).

    ``beta = 0`` is gradient descent.
    """

    name = "momentum"
    _buffers = ("velocity",)
    linear = True

    def __init__(self, params, learning_rate: float, beta: float = 0.9):
        super().__init__(params, learning_rate)
        self.beta = _check_fraction(beta, "beta")

    def _update(self, k, value, grad):
        v = self.beta * self.velocity[k] + (1 - self.beta) * grad
        self.velocity[k] = v
        return value - self.learning_rate * v


class Adam(Optimizer):
    """Adam with bias correction, ``epsilon`` outside the square root; t counts every step.

    ``v = b1 v + (1 - b1) g``, ``s = b2 s + (1 - b2) g^2``,
    ``p = p - lr * (v / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + epsilon)``.
    """

    name = "adam"
    _buffers = ("first_moment", "second_moment")

    def __init__(self, params, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8):
        super().__init__(params, learning_rate)
        self.beta1 = _check_fraction(beta1, "beta1")
        self.beta2 = _check_fraction(beta2, "beta2")
        self.epsilon = _check_positive(epsilon, "epsilon")

    def _begin_step(self) -> None:
        # The bias corrections' denominators, once per step rather than per group.
        t = self.steps
        self._corrections = (1 - self.beta1 ** t, 1 - self.beta2 ** t)

    def _update(self, k, value, grad):
        correction1, correction2 = self._corrections
        v = self.beta1 * self.first_moment[k] + (1 - self.beta1) * grad
        v_corrected = v / correction1
        s = self.beta2 * self.second_moment[k] + (1 - self.beta2) * np.square(grad)
        s_corrected = s / correction2
        self.first_moment[k], self.second_moment[k] = v, s
        return value - self.learning_rate * v_corrected / (np.sqrt(s_corrected) + self.epsilon)


#: The optimizers by the names ``fit(optimizer=...)`` takes.
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, Adam)}


def check_hyper_parameters(beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                           epsilon: float = 1e-8) -> None:
    """Raise naming the first bad one: betas in [0, 1), epsilon positive and finite."""
    _check_fraction(beta, "beta")
    _check_fraction(beta1, "beta1")
    _check_fraction(beta2, "beta2")
    _check_positive(epsilon, "epsilon")


def make_optimizer(name: str, params, learning_rate: float, beta: float = 0.9, beta1: float = 0.9,
                   beta2: float = 0.999, epsilon: float = 1e-8) -> Optimizer:
    """The optimizer called ``name`` ("gd", "momentum" or "adam") with the hyper-parameters it uses."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, got {name!r}")
    # Every hyper-parameter is checked, also those this optimizer ignores: a
    # beta of 1.5 is a mistake whichever optimizer runs.
    check_hyper_parameters(beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon)
    if name == "gd":
        return GradientDescent(params, learning_rate)
    if name == "momentum":
        return Momentum(params, learning_rate, beta=beta)
    return Adam(params, learning_rate, beta1=beta1, beta2=beta2, epsilon=epsilon)


def inverse_decay(learning_rate0: float, epoch: int, decay_rate: float) -> float:
    """``learning_rate0 / (1 + decay_rate * epoch)``."""
    return learning_rate0 / (1 + decay_rate * epoch)


def scheduled_decay(learning_rate0: float, epoch: int, decay_rate: float, decay_interval: int) -> float:
    """``learning_rate0 / (1 + decay_rate * floor(epoch / decay_interval))``: changes every interval."""
    return learning_rate0 / (1 + decay_rate * (epoch // decay_interval))
