"""The ``derive`` job: the training step of a network as the numpy code autodiff derived for it.

:func:`derive_source` traces one training step of the classifier (cost and
gradients of every parameter, with the L2 penalty and dropout as asked) and
returns :func:`autograd_mini.compile`'s source of it: the post's
``L_model_forward`` and ``L_model_backward`` unrolled, in the post's names
(``Z1``, ``A1``, ..., ``dZ1``, ``dW1``, ``db1``). :func:`module_text` wraps it
in a runnable module that, run as a script, checks itself against
:mod:`nets.manual` (the hand-derived oracle) on random data.
"""
from __future__ import annotations

import os

import numpy as np

import autograd_mini
from autograd_mini import Tensor

from ..atomic import write_text
from ..model import BinaryClassifier
from ..model.objective import HIDDEN_ACTIVATIONS
from ..validation import check_count, check_fraction, check_layer_dims, check_non_negative

__all__ = ["derive_source", "derived_step", "module_text", "write_module"]


def _options(layers, cost, l2, keep_prob, examples, hidden_activation="relu"):
    layers = check_layer_dims(layers)
    if cost not in ("stable", "faithful"):
        raise ValueError(f"cost must be 'stable' or 'faithful', got {cost!r}")
    if hidden_activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"hidden_activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}, "
                         f"got {hidden_activation!r}")
    l2 = check_non_negative(l2, "l2")
    keep_prob = check_fraction(keep_prob, "keep_prob")
    examples = check_count(examples, "examples", 1)
    return layers, cost, l2, keep_prob, examples, hidden_activation


def derived_step(layers=(12288, 20, 7, 5, 1), cost: str = "stable", l2: float = 0.0, keep_prob: float = 1.0,
                 examples: int = 209, hidden_activation: str = "relu"):
    """The :class:`autograd_mini.Compiled` training step of a ``layers`` network.

    ``examples`` is the training set's size m: the shapes of the trace, and the
    m of the L2 term ``l2 / (2 m)``, which the code holds as a number (the
    cross-entropy's m is read from the batch's shape). ``hidden_activation``:
    ``"relu"`` (the post's) or ``"tanh"`` (Course 1 week 3's).
    """
    layers, cost, l2, keep_prob, examples, hidden_activation = _options(
        layers, cost, l2, keep_prob, examples, hidden_activation)
    model = BinaryClassifier(layers, init="xavier", seed=1, cost=cost, hidden_activation=hidden_activation)
    objective = model.objective(l2=l2, m=examples, keep_prob=keep_prob)
    rng = np.random.RandomState(0)
    X = Tensor(rng.randn(layers[0], examples), name="X")
    Y = Tensor((rng.rand(1, examples) > 0.5).astype(np.float64), name="Y")
    masks = None
    if keep_prob < 1 and objective.hidden_widths:
        masks = [Tensor((rng.rand(n, examples) < keep_prob).astype(np.float64), name=f"D{k + 1}")
                 for k, n in enumerate(objective.hidden_widths)]
    with np.errstate(all="ignore"):
        return autograd_mini.compile(lambda: objective.cost(X, Y, masks))


def derive_source(layers=(12288, 20, 7, 5, 1), cost: str = "stable", l2: float = 0.0, keep_prob: float = 1.0,
                  examples: int = 209, hidden_activation: str = "relu") -> str:
    """The derived step's source: ``def step(W1, b1, ..., X, Y[, D1, ...]) -> (cost, {"dW1": ...})``."""
    return derived_step(layers, cost, l2, keep_prob, examples, hidden_activation).source


_CHECK = '''

LAYERS = {layers!r}
COST = {cost!r}
L2 = {l2!r}
KEEP_PROB = {keep_prob!r}
EXAMPLES = {examples!r}
HIDDEN_ACTIVATION = {hidden_activation!r}


def check(seed=0):
    """Compare step() with nets.manual's hand-derived forward and backward pass on random data.

    Returns the largest relative difference over the cost and every gradient;
    raises AssertionError above 1e-8. With tanh hidden layers the oracle is
    Course 1 week 3's code (nets.manual.week3) for one hidden layer without L2 or
    dropout; otherwise central differences of step()'s own cost (to 1e-5).
    """
    from nets import manual

    if HIDDEN_ACTIVATION == "tanh":
        return check_tanh(seed)
    rng = np.random.RandomState(seed)
    L = len(LAYERS) - 1
    params = {{}}
    for l in range(1, L + 1):
        params["W" + str(l)] = rng.randn(LAYERS[l], LAYERS[l - 1]) / np.sqrt(LAYERS[l - 1])
        params["b" + str(l)] = rng.randn(LAYERS[l], 1) * 0.1
    X = rng.randn(LAYERS[0], EXAMPLES)
    Y = (rng.rand(1, EXAMPLES) > 0.5).astype(np.float64)
    args = [params[name + str(l)] for l in range(1, L + 1) for name in ("W", "b")] + [X, Y]
    if KEEP_PROB < 1 and L > 1:
        AL, caches = manual.L_model_forward_with_dropout(X, params, KEEP_PROB, rng=rng)
        grads = manual.L_model_backward_with_dropout(AL, Y, caches, KEEP_PROB)
        args += [D.astype(np.float64) for (_, _, D) in caches[:-1]]
        for l in range(1, L + 1):
            grads["dW" + str(l)] = grads["dW" + str(l)] + L2 / EXAMPLES * params["W" + str(l)]
    else:
        AL, caches = manual.L_model_forward(X, params)
        grads = manual.L_model_backward_with_regularization(AL, Y, caches, L2)
    expected_cost = manual.compute_cost_with_regularization(AL, Y, params, L2)
    cost, derived = step(*args)
    worst = abs(float(cost) - float(expected_cost)) / max(abs(float(expected_cost)), 1e-300)
    for name, value in derived.items():
        scale = max(np.abs(grads[name]).max(), 1e-300)
        worst = max(worst, float(np.abs(value - grads[name]).max() / scale))
    assert worst < 1e-8, f"the derived step and nets.manual differ by {{worst:.3g}} (relative)"
    return worst


def check_tanh(seed=0):
    from nets.manual import week3

    rng = np.random.RandomState(seed)
    L = len(LAYERS) - 1
    args = []
    for l in range(1, L + 1):
        args += [rng.randn(LAYERS[l], LAYERS[l - 1]) / np.sqrt(LAYERS[l - 1]), rng.randn(LAYERS[l], 1) * 0.1]
    X = rng.randn(LAYERS[0], EXAMPLES)
    Y = (rng.rand(1, EXAMPLES) > 0.5).astype(np.float64)
    masks = ([(rng.rand(n, EXAMPLES) < KEEP_PROB).astype(np.float64) for n in LAYERS[1:-1]]
             if KEEP_PROB < 1 else [])
    cost, derived = step(*args, X, Y, *masks)
    names = [name + str(l) for l in range(1, L + 1) for name in ("W", "b")]
    if L == 2 and L2 == 0 and KEEP_PROB == 1:
        params = dict(zip(names, args))
        A2, cache = week3.forward_propagation(X, params)
        expected = dict(week3.backward_propagation(params, cache, X, Y), cost=week3.compute_cost(A2, Y))
        worst = abs(float(cost) - float(expected["cost"])) / abs(float(expected["cost"]))
        for name in names:
            scale = max(np.abs(expected["d" + name]).max(), 1e-300)
            worst = max(worst, float(np.abs(derived["d" + name] - expected["d" + name]).max() / scale))
        assert worst < 1e-8, f"the derived step and nets.manual.week3 differ by {{worst:.3g}} (relative)"
        return worst
    worst, h = 0.0, 1e-6
    for k, name in enumerate(names):  # a few entries of each gradient, by central differences
        for index in list(np.ndindex(args[k].shape))[:3]:
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[k][index] += h
            minus[k][index] -= h
            numeric = (float(step(*plus, X, Y, *masks)[0]) - float(step(*minus, X, Y, *masks)[0])) / (2 * h)
            scale = max(np.abs(derived["d" + name]).max(), 1e-12)
            worst = max(worst, abs(float(derived["d" + name][index]) - numeric) / scale)
    assert worst < 1e-5, f"the derived step and central differences differ by {{worst:.3g}} (relative)"
    return worst


if __name__ == "__main__":
    import sys

    sys.stdout.write(f"step() agrees with its reference on random data: largest relative difference {{check():.3g}}\\n")
'''


def module_text(layers=(12288, 20, 7, 5, 1), cost: str = "stable", l2: float = 0.0, keep_prob: float = 1.0,
                examples: int = 209, hidden_activation: str = "relu") -> str:
    """A runnable module: the derived ``step`` and a ``check()`` against :mod:`nets.manual` run as a script."""
    layers, cost, l2, keep_prob, examples, hidden_activation = _options(
        layers, cost, l2, keep_prob, examples, hidden_activation)
    source = derive_source(layers, cost, l2, keep_prob, examples, hidden_activation)
    options = (f"layers {list(layers)}, {hidden_activation} hidden layers, cost {cost}, l2 {l2}, "
               f"keep_prob {keep_prob}, {examples} examples")
    header = (f'"""The training step of a {list(layers)} network as autodiff derived it ({options}).\n\n'
              f"Written by `python -m nets derive` (autograd_mini.compile). step() returns the cost and\n"
              f"every parameter's gradient; run this file to check it against nets.manual.\n"
              f'"""\nimport numpy as np\n\n\n')
    return header + source + _CHECK.format(layers=list(layers), cost=cost, l2=l2, keep_prob=keep_prob,
                                           examples=examples, hidden_activation=hidden_activation)


def write_module(out, layers=(12288, 20, 7, 5, 1), cost: str = "stable", l2: float = 0.0, keep_prob: float = 1.0,
                 examples: int = 209, hidden_activation: str = "relu") -> str:
    """Write :func:`module_text` to ``out`` (a .py file), atomically; returns the path."""
    if os.path.splitext(str(out))[1] != ".py":
        raise ValueError(f"--out must name a .py file, got {out!r}")
    write_text(out, module_text(layers, cost, l2, keep_prob, examples, hidden_activation))
    return str(out)
