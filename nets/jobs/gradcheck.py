"""The ``gradcheck`` job: a random network's gradients compared three ways.

:func:`run_gradcheck` compares autodiff, the post's hand-derived backward pass
(:mod:`nets.manual`) and central finite differences, and returns a
:class:`GradcheckReport`; ``nets.cli`` prints it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import manual
from ..model import BinaryClassifier
from ..validation import check_count, check_layer_dims

__all__ = [
    "TOLERANCES",
    "KINK_MARGIN",
    "relative_difference",
    "GradcheckRow",
    "GradcheckReport",
    "run_gradcheck",
]

#: Tolerances of the three comparisons (relative, see :func:`relative_difference`).
TOLERANCES = {"autodiff-vs-oracle": 1e-10, "autodiff-vs-fd": 1e-5, "oracle-vs-fd": 1e-5}
#: Pre-activations closer to 0 than this count as "at the ReLU kink" for finite differences.
KINK_MARGIN = 1e-3


def relative_difference(a, b) -> float:
    """``max|a - b| / max(max|a|, max|b|, tiny)``: 0 for equal arrays, ~1 for unrelated ones."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-300)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


@dataclass
class GradcheckRow:
    parameter: str
    shape: tuple
    checked: int  # entries compared with finite differences
    differences: dict  # comparison name -> relative difference


@dataclass
class GradcheckReport:
    layers: list
    examples: int
    seed: int
    cost: str
    eps: float
    rows: list = field(default_factory=list)
    min_abs_z: float = math.inf  # smallest |Z| of a ReLU layer: the distance from the kink
    redraws: int = 0
    tolerances: dict = field(default_factory=lambda: dict(TOLERANCES))

    @property
    def failures(self) -> list:
        """``[(parameter, comparison, difference, tolerance), ...]`` above tolerance (NaN fails)."""
        bad = []
        for row in self.rows:
            for name, value in row.differences.items():
                tol = self.tolerances[name]
                if not value <= tol:
                    bad.append((row.parameter, name, value, tol))
        return bad

    @property
    def near_kink(self) -> bool:
        return self.min_abs_z < KINK_MARGIN

    @property
    def passed(self) -> bool:
        return not self.failures


def _hidden_pre_activations(X, parameters):
    """The Z of every ReLU layer, by the post's forward pass."""
    _, caches = manual.L_model_forward(X, parameters)
    return [cache[1] for cache in caches[:-1]]


def run_gradcheck(layers=(10, 5, 3, 1), examples: int = 8, seed: int = 1, cost: str = "stable",
                  eps: float = 1e-6, max_checks: int = 2000) -> GradcheckReport:
    """Compare the gradients of a random network three ways.

    The network is ``BinaryClassifier(layers, init="xavier", seed=seed)`` with
    biases drawn too (``randn * 0.1``, so that they are checked at a generic
    point); X is ``randn`` (features, examples) and Y random 0/1, drawn from
    ``RandomState(seed)``.  X is redrawn (up to 200 times) until every ReLU
    pre-activation is at least :data:`KINK_MARGIN` away from 0, where a
    finite difference would straddle the kink; the report says if that failed.

    * autodiff: ``model.gradients(X, Y)``;
    * oracle: the post's ``L_model_forward`` / ``L_model_backward`` on
      ``model.parameters``;
    * fd: central differences of the post's ``compute_cost`` (float64, step
      ``eps``) on at most ``max_checks`` entries of each parameter (all of
      them for small networks; a random subset, the same for all columns,
      otherwise).
    """
    layers = check_layer_dims(layers)
    examples = check_count(examples, "examples", 1)
    max_checks = check_count(max_checks, "max_checks", 1)
    if not (isinstance(eps, float) and 0 < eps < 1):
        raise ValueError(f"eps must be a float in (0, 1), got {eps!r}")
    model = BinaryClassifier(layers, init="xavier", seed=seed, dtype="float64", cost=cost)
    rng = np.random.RandomState(seed)
    params = model.parameters
    for l in range(1, len(layers)):
        params[f"b{l}"] = rng.randn(layers[l], 1) * 0.1
    model.set_parameters(params)
    params = model.parameters

    best = None
    redraws = 0
    for attempt in range(200):
        X = rng.randn(layers[0], examples)
        Y = (rng.rand(1, examples) < 0.5).astype(np.float64)
        zs = _hidden_pre_activations(X, params)
        margin = min((float(np.min(np.abs(z))) for z in zs), default=math.inf)
        if best is None or margin > best[2]:
            best = (X, Y, margin)
        if margin >= KINK_MARGIN:
            break
        redraws = attempt + 1
    X, Y, margin = best

    autodiff = model.gradients(X, Y)
    AL, caches = manual.L_model_forward(X, params)
    oracle = manual.L_model_backward(AL, Y, caches)

    def cost_at(p):
        AL, _ = manual.L_model_forward(X, p)
        return float(manual.compute_cost(AL, Y))

    report = GradcheckReport(layers=layers, examples=examples, seed=seed, cost=cost, eps=eps,
                             min_abs_z=margin, redraws=redraws)
    check_rng = np.random.RandomState(seed + 1)
    for l in range(1, len(layers)):
        for kind in ("W", "b"):
            name = f"{kind}{l}"
            value = params[name]
            size = value.size
            flat_indices = (np.arange(size) if size <= max_checks
                            else np.sort(check_rng.choice(size, max_checks, replace=False)))
            fd = np.empty(len(flat_indices))
            shifted = dict(params)
            for k, flat in enumerate(flat_indices):
                index = np.unravel_index(flat, value.shape)
                plus = value.copy()
                plus[index] += eps
                minus = value.copy()
                minus[index] -= eps
                shifted[name] = plus
                c_plus = cost_at(shifted)
                shifted[name] = minus
                c_minus = cost_at(shifted)
                fd[k] = (c_plus - c_minus) / (2 * eps)
            a = np.asarray(autodiff["d" + name], dtype=np.float64)
            o = np.asarray(oracle["d" + name], dtype=np.float64)
            if a.shape != value.shape:
                raise ValueError(f"autodiff gradient d{name} has shape {a.shape}, expected {value.shape}")
            a_sub, o_sub = a.reshape(-1)[flat_indices], o.reshape(-1)[flat_indices]
            report.rows.append(GradcheckRow(
                parameter=name,
                shape=value.shape,
                checked=len(flat_indices),
                differences={
                    "autodiff-vs-oracle": relative_difference(a, o),
                    "autodiff-vs-fd": relative_difference(a_sub, fd),
                    "oracle-vs-fd": relative_difference(o_sub, fd),
                },
            ))
    return report
