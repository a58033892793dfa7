"""What the checks compare against: forward values and gradients by autodiff, and finite differences.

Every reference is computed here, independently of the learner's code and of
:mod:`nets.manual`: values and vector-Jacobian products by ``autograd_mini``
(:func:`vjp`, :class:`Net` for whole networks in the post's gradient
convention), plain numpy for the finite-difference referee's cost
(:func:`numpy_cost`) and for recognising a wrong forward (:func:`plain_forward`).
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor

__all__ = ["Net", "activate", "finite_difference_referee", "numpy_cost", "plain_forward", "vjp"]


def vjp(fn, arrays, upstream):
    """``fn``'s value at ``arrays`` and the gradients of ``sum(upstream * fn(...))`` by autodiff."""
    tensors = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(np.asarray(upstream, dtype=np.float64))
    grads = [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]
    return out.data, grads


def activate(Z: Tensor, activation: str) -> Tensor:
    return Z.sigmoid() if activation == "sigmoid" else Z.relu()


class Net:
    """A whole network's forward values and gradients by autodiff, in the post's convention.

    ``grads`` has ``dW{l}``, ``db{l}`` (the cost's gradient) and ``dA{l}`` for
    l = 0..L (m times the cost's gradient with respect to A[l], as the post's
    ``dA`` are); ``dA{L}`` is the post's ``dAL``. ``masks``: inverted-dropout
    masks of the hidden layers; ``lambd``: L2 strength.
    """

    def __init__(self, X, Y, parameters, lambd=0.0, masks=None, keep_prob=1.0):
        self.lambd, self.masks, self.keep_prob = lambd, masks, keep_prob
        self.L = L = len(parameters) // 2
        self.m = m = X.shape[1]
        self.X, self.Y, self.parameters = X, Y, parameters
        tX = Tensor(X.copy(), requires_grad=True)
        A = tX
        self.acts, self.Zs, Ws, bs = [tX], [], [], []
        for l in range(1, L + 1):
            W = Tensor(parameters[f"W{l}"].copy(), requires_grad=True)
            b = Tensor(parameters[f"b{l}"].copy(), requires_grad=True)
            Z = W @ A + b
            A = Z.relu() if l < L else Z.sigmoid()
            if masks is not None and l < L:
                A = A * masks[l - 1] / keep_prob
            A.retain_grad()
            self.acts.append(A)
            self.Zs.append(Z.data)
            Ws.append(W)
            bs.append(b)
        cost = F.binary_cross_entropy(A, Y)
        if lambd:
            penalty = (Ws[0] * Ws[0]).sum()
            for W in Ws[1:]:
                penalty = penalty + (W * W).sum()
            cost = cost + penalty * (lambd / (2 * m))
        cost.backward()
        self.cost = cost.item()
        self.AL = A.data
        self.grads = {}
        for l in range(1, L + 1):
            self.grads[f"dW{l}"] = Ws[l - 1].grad
            self.grads[f"db{l}"] = bs[l - 1].grad
        for l in range(0, L + 1):
            self.grads[f"dA{l}"] = m * self.acts[l].grad
        self.A_values = [a.data for a in self.acts]

    def describe(self) -> str:
        dims = [self.X.shape[0]] + [self.parameters[f"W{l}"].shape[0] for l in range(1, self.L + 1)]
        return f"layers {dims}, {self.m} example{'s' if self.m != 1 else ''}"

    def local_backward(self, l: int, upstream, activation: str, mask: str = "right",
                       dropout: str = "right", l2: str = "right"):
        """Layer l's (dW, db, dA_prev) in the post's convention, given the gradient it received.

        The other keywords make the usual mistakes on purpose, for the diagnoses:
        ``mask`` "inverted"/"none" (ReLU), ``dropout`` "nomask"/"noscale", ``l2`` "none"/"nom".
        """
        Z, A_prev, W = self.Zs[l - 1], self.A_values[l - 1], self.parameters[f"W{l}"]
        if self.masks is not None and l < self.L:
            if dropout == "right":
                upstream = upstream * self.masks[l - 1] / self.keep_prob
            elif dropout == "noscale":
                upstream = upstream * self.masks[l - 1]
        if activation == "sigmoid":
            s = 1 / (1 + np.exp(-Z))
            dZ = upstream * s * (1 - s)
        elif mask == "right":
            dZ = upstream * (Z > 0)
        elif mask == "inverted":
            dZ = upstream * (Z <= 0)
        else:
            dZ = upstream
        dW = dZ @ A_prev.T / self.m
        if self.lambd and l2 == "right":
            dW = dW + self.lambd / self.m * W
        elif self.lambd and l2 == "nom":
            dW = dW + self.lambd * W
        return dW, dZ.sum(axis=1, keepdims=True) / self.m, W.T @ dZ


def finite_difference_referee(cost_of, x: np.ndarray, autodiff_grad: np.ndarray, rng, entries=8) -> str:
    """Central differences of ``cost_of`` at a few entries of ``x``, against autodiff's gradient."""
    flat = x.reshape(-1)
    picks = rng.choice(flat.size, size=min(entries, flat.size), replace=False)
    worst = 0.0
    for i in picks:
        h = 1e-6 * max(1.0, abs(flat[i]))
        saved = flat[i]
        flat[i] = saved + h
        up = cost_of()
        flat[i] = saved - h
        down = cost_of()
        flat[i] = saved
        estimate = (up - down) / (2 * h)
        exact = autodiff_grad.reshape(-1)[i]
        worst = max(worst, abs(estimate - exact) / max(abs(exact), abs(estimate), 1e-8))
    side = "side with autodiff" if worst < 1e-4 else "disagree with autodiff too (the reference may be at a kink)"
    return f"finite differences {side}: relative difference {worst:.1e} on {len(picks)} entries"


def numpy_cost(X, Y, parameters, lambd=0.0, masks=None, keep_prob=1.0):
    """The (regularised, dropped-out) cost in plain numpy: the finite-difference referee's function."""
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
        if masks is not None and l < L:
            A = A * masks[l - 1] / keep_prob
    m = X.shape[1]
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return cost + lambd / (2 * m) * sum(np.sum(parameters[f"W{l}"] ** 2) for l in range(1, L + 1))


def plain_forward(X, parameters, hidden, last):
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        act = last if l == L else hidden
        A = 1 / (1 + np.exp(-Z)) if act == "sigmoid" else np.maximum(Z, 0)
    return A
