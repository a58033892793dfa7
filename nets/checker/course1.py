"""The audit of Course 1's weeks 2 and 3: logistic regression and the planar tanh network.

The course's signatures and return conventions (those of :mod:`nets.manual.week2`
and :mod:`nets.manual.week3`):

- week 2: ``sigmoid(z)`` returns only ``s``; ``initialize_with_zeros(dim)``
  returns ``(w, b)``; ``propagate(w, b, X, Y)`` returns ``(grads, cost)`` with
  ``grads = {"dw", "db"}``; ``optimize(w, b, X, Y, num_iterations,
  learning_rate, print_cost)`` returns ``(params, grads, costs)``;
  ``predict(w, b, X)``; ``model(X_train, Y_train, X_test, Y_test,
  num_iterations, learning_rate, print_cost)`` returns a dictionary;
- week 3: ``layer_sizes(X, Y)``; ``initialize_parameters(n_x, n_h, n_y)``;
  ``forward_propagation(X, parameters)`` returns ``(A2, cache)``;
  ``compute_cost(A2, Y)`` or the older ``compute_cost(A2, Y, parameters)``
  (the signature decides); ``backward_propagation(parameters, cache, X, Y)``;
  ``update_parameters(parameters, grads, learning_rate=1.2)``;
  ``nn_model(X, Y, n_h, num_iterations, print_cost)``; ``predict(parameters, X)``.

Values and gradients are compared with the engine's (autodiff through
``autograd_mini``, never ``nets.manual``); training loops with a loop written
here from those gradients. The usual mistakes are named when the numbers show
exactly one: a missing ``1/m``, ``dZ1`` without the ``1 - A1^2`` factor,
tanh's derivative taken as ``1 - A1``, a ``db`` summed over the wrong axis.

A shared name is checked under the week's convention only when its signature
fits that week (``predict(w, b, X)`` is week 2's, ``predict(parameters, X)``
week 3's); matching a file to its assignment is :mod:`.assignments`' job.
"""
from __future__ import annotations

import inspect

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor

from .core import Malformed, dict_of_arrays, shape_of, unpack
from .diagnose import compare, same

__all__ = ["WEEK2_FUNCTIONS", "WEEK3_FUNCTIONS", "check_week2", "check_week3"]

WEEK2_FUNCTIONS = ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model")
WEEK3_FUNCTIONS = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
                   "backward_propagation", "update_parameters", "nn_model", "predict")

#: The course's hidden width in layer_sizes, its initialisation seed and scale, its learning rate.
COURSE_N_H = 4
INIT_SEED = 2
INIT_SCALE = 0.01
DEFAULT_RATE = 1.2


# ---------------------------------------------------------------- helpers
def parameter_names(a, name) -> list:
    """The learner's function's parameter names (the learner's ``signature`` where it has one)."""
    signature = getattr(a.learner, "signature", None)
    if signature is not None:
        return list(signature(name))
    try:
        return list(inspect.signature(a.learner.ns[name]).parameters)
    except (TypeError, ValueError, KeyError):
        return []


def call_seeded(a, name, seed, *args):
    """Call with numpy's global generator seeded right before (the worker's ``seed=`` where it has one)."""
    if "seed" in inspect.signature(a.learner.call).parameters:
        return a.learner.call(name, *args, seed=seed)
    np.random.seed(seed)  # the in-process sandbox: the learner draws from this process's generator
    return a.call(name, *args)


def _number(name, value, what):
    array = np.asarray(value) if isinstance(value, (np.ndarray, int, float, np.number)) else None
    if array is None or array.size != 1 or array.dtype.kind not in "biuf":
        raise Malformed(f"{name}'s {what} is a {type(value).__name__}{shape_of(value) if array is not None else ''}, "
                        f"expected a number")
    return float(array.reshape(()))


def logistic_reference(w, b, X, Y):
    """Engine forward and gradients of logistic regression: (A, cost, dw, db)."""
    wt, bt = Tensor(np.array(w, dtype=float), requires_grad=True), Tensor(np.array(b, dtype=float), requires_grad=True)
    A = (wt.T @ X + bt).sigmoid()
    cost = F.binary_cross_entropy(A, Y)
    cost.backward()
    return A.data, cost.item(), wt.grad, bt.grad


def planar_reference(X, Y, parameters):
    """Engine forward and gradients of the tanh network: (cache dict, cost, grads dict)."""
    t = {k: Tensor(np.array(v, dtype=float), requires_grad=True) for k, v in parameters.items()}
    Z1 = F.affine(t["W1"], Tensor(X), t["b1"])
    A1 = Z1.tanh()
    Z2 = F.affine(t["W2"], A1, t["b2"])
    A2 = Z2.sigmoid()
    cost = F.binary_cross_entropy(A2, Y)
    cost.backward()
    cache = {"Z1": Z1.data, "A1": A1.data, "Z2": Z2.data, "A2": A2.data}
    return cache, cost.item(), {f"d{k}": v.grad for k, v in t.items()}


def planar_parameters(a, n_x, n_h, n_y=1, scale=1.0):
    return {"W1": a.rng.randn(n_h, n_x) * scale, "b1": a.rng.randn(n_h, 1) * 0.3 * scale,
            "W2": a.rng.randn(n_y, n_h) * scale, "b2": a.rng.randn(n_y, 1) * 0.3 * scale}


def logistic_loop(w, b, X, Y, iterations, rate):
    """Gradient descent with the engine's gradients: (w, b, costs every 100 iterations)."""
    costs = []
    for i in range(iterations):
        _, cost, dw, db = logistic_reference(w, b, X, Y)
        if i % 100 == 0:
            costs.append(cost)
        w, b = w - rate * dw, b - rate * float(db)
    return w, b, costs


def planar_loop(X, Y, parameters, iterations, rate=DEFAULT_RATE):
    for _ in range(iterations):
        _, _, grads = planar_reference(X, Y, parameters)
        parameters = {k: v - rate * grads[f"d{k}"] for k, v in parameters.items()}
    return parameters


def course_initialisation(seed, n_x, n_h, n_y):
    rng = np.random.RandomState(seed)
    W1 = rng.randn(n_h, n_x) * INIT_SCALE
    W2 = rng.randn(n_y, n_h) * INIT_SCALE
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def separable(a, n, m, margin=0.3):
    """X (n, m), w, b with every probability sigmoid(w.T X + b) at least ``margin`` away from 0.5."""
    w, b = a.rng.randn(n, 1), float(a.rng.randn() * 0.5)
    X = a.rng.randn(n, m)
    Z = (w.T @ X + b)[0]
    small = np.abs(Z) < margin
    X[:, small] += (np.sign(Z[small] + 1e-12) * margin * 2)[None, :] * w / max(float(np.sum(w * w)), 1e-12)
    return w, b, X


def explain_loop(a, case, steps, helpers):
    """A training loop's wrong result, in words: the factors ``explain`` finds mean nothing after many steps."""
    if case.diagnosis is not None or all(c.ok for c in case.comparisons):
        return
    if not any(c.error is not None and not c.ok for c in case.comparisons):
        return  # a shape or type problem already says what is wrong
    broken = [c.name for c in a.checks if c.name in helpers and not c.ok]
    case.diagnosis = (f"the result is not that of {steps} with the right gradients"
                      + (f" (it calls {', '.join(broken)}, found wrong above)" if broken else ""))


def inverted(case, got, expected):
    if case.diagnosis is None and np.shape(got) == expected.shape and same(np.asarray(got, dtype=float), 1 - expected):
        case.diagnosis = "the predictions are inverted: 1 where the probability is at most 0.5"


# ---------------------------------------------------------------- week 2
def check_week2(a) -> None:
    """Add the checks of every week-2 function the learner defines to auditor ``a``."""
    _check_sigmoid_s(a)
    _check_initialize_with_zeros(a)
    _check_propagate(a)
    _check_optimize(a)
    _check_predict_w_b(a)
    _check_model(a)


def _check_sigmoid_s(a):
    if not a.ran("sigmoid") or len(parameter_names(a, "sigmoid")) != 1:
        return

    def fill(case, z):
        s = a.call("sigmoid", z)
        if isinstance(s, tuple):
            raise Malformed("sigmoid returned a tuple; week 2's sigmoid(z) returns only s")
        reference = Tensor(np.asarray(z, dtype=float)).sigmoid().data
        case.comparisons.append(compare("s", s, reference, scalar=np.ndim(z) == 0))

    cases = [("z = 0", np.array(0.0)), ("z = [0, 2]", np.array([0.0, 2.0]))]
    cases += [(f"z{shape_of(np.empty(s))}", a.rng.randn(*s) * 3) for s in ((1, 1), (3, 4))]
    a.run_check("sigmoid", [(d, lambda c, z=z: fill(c, z)) for d, z in cases])


def _check_initialize_with_zeros(a):
    name = "initialize_with_zeros"
    if not a.ran(name):
        return

    def fill(case, dim):
        w, b = unpack(name, a.call(name, dim), ("w", "b"))
        case.comparisons.append(compare("w", w, np.zeros((dim, 1))))
        if np.shape(w) == (dim,):
            case.diagnosis = f"w has shape ({dim},): it must be a column of shape ({dim}, 1)"
        case.comparisons.append(compare("b", b, 0.0, scalar=True))

    a.run_check(name, [(f"dim {d}", lambda c, d=d: fill(c, d)) for d in (1, 2, 7)])


def _check_propagate(a):
    name = "propagate"
    if not a.ran(name):
        return

    def fill(case, n, m):
        w, b = a.rng.randn(n, 1) * 0.5, float(a.rng.randn() * 0.5)
        X, Y = a.rng.randn(n, m), a.labels(m)
        grads, cost = unpack(name, a.call(name, w, b, X, Y), ("grads", "cost"))
        grads = dict_of_arrays(name, grads, "gradients")
        if "dw" not in grads or "db" not in grads:
            raise Malformed(f"{name}'s grads has keys {sorted(grads)}, expected ['db', 'dw']")
        A, ref_cost, dw, db = logistic_reference(w, b, X, Y)
        case.comparisons.append(compare("dw", grads["dw"], dw, m=m))
        case.comparisons.append(compare("db", grads["db"], float(db), m=m, scalar=True))
        case.comparisons.append(compare("the cost", cost, ref_cost, m=m, scalar=True))
        if case.diagnosis is None and np.shape(grads["db"]) == (1, m):
            case.diagnosis = "db sums A - Y over the wrong axis: it must be one number (the sum over the examples)"

    a.run_check(name, [(f"w({n},1), {m} example{'s' if m > 1 else ''}", lambda c, n=n, m=m: fill(c, n, m))
                       for n, m in ((1, 1), (2, 3), (4, 7), (6, 12))])


def _check_optimize(a):
    name = "optimize"
    if not a.ran(name):
        return

    def fill(case, n, m, iterations, rate):
        w, b = a.rng.randn(n, 1) * 0.1, 0.0
        X, Y = a.rng.randn(n, m), a.labels(m)
        params, grads, costs = unpack(name, a.call(name, w, b, X, Y, iterations, rate, False),
                                      ("params", "grads", "costs"))
        params = dict_of_arrays(name, params, "parameters")
        if "w" not in params or "b" not in params:
            raise Malformed(f"{name}'s params has keys {sorted(params)}, expected ['b', 'w']")
        ref_w, ref_b, ref_costs = logistic_loop(w, b, X, Y, iterations, rate)
        case.comparisons.append(compare("w", params["w"], ref_w, m=m))
        case.comparisons.append(compare("b", params["b"], ref_b, m=m, scalar=True))
        got_costs = [_number(name, c, "cost") for c in (costs if isinstance(costs, (list, tuple)) else [costs])]
        if len(got_costs) != len(ref_costs):
            raise Malformed(f"{name} recorded {len(got_costs)} costs in {iterations} iterations; the course "
                            f"records one every 100 iterations (i = 0, 100, ...): {len(ref_costs)}")
        case.comparisons.append(compare("the costs", np.array(got_costs), np.array(ref_costs)))
        explain_loop(a, case, f"{iterations} gradient-descent step{'s' if iterations > 1 else ''}", ("propagate", "sigmoid"))

    a.run_check(name, [(f"w({n},1), {m} examples, {k} iterations, learning_rate {r}",
                        lambda c, n=n, m=m, k=k, r=r: fill(c, n, m, k, r))
                       for n, m, k, r in ((2, 5, 1, 0.1), (3, 8, 150, 0.5), (5, 10, 201, 0.05))])


def _check_predict_w_b(a):
    if not a.ran("predict") or len(parameter_names(a, "predict")) != 3:
        return

    def fill(case, n, m):
        w, b, X = separable(a, n, m)
        got = a.call("predict", w, b, X)
        expected = (Tensor(w.T @ X + b).sigmoid().data > 0.5).astype(float)
        case.comparisons.append(compare("Y_prediction", got, expected))
        inverted(case, got, expected)

    a.run_check("predict", [(f"w({n},1), {m} examples", lambda c, n=n, m=m: fill(c, n, m))
                            for n, m in ((1, 1), (2, 6), (5, 9))])


def _check_model(a):
    name = "model"
    if not a.ran(name) or len(parameter_names(a, name)) < 4:
        return

    def fill(case, n, m, iterations, rate):
        X, Y = a.rng.randn(n, m), a.labels(m)
        Xt, Yt = a.rng.randn(n, 4), a.labels(4)
        d = dict_of_arrays(name, a.call(name, X, Y, Xt, Yt, iterations, rate, False), "results")
        missing = sorted({"w", "b", "costs", "Y_prediction_train", "Y_prediction_test"} - set(d))
        if missing:
            raise Malformed(f"{name}'s dictionary lacks {missing}")
        ref_w, ref_b, _ = logistic_loop(np.zeros((n, 1)), 0.0, X, Y, iterations, rate)
        case.comparisons.append(compare("w", d["w"], ref_w, m=m))
        case.comparisons.append(compare("b", d["b"], ref_b, m=m, scalar=True))
        for key, data in (("Y_prediction_train", X), ("Y_prediction_test", Xt)):
            probabilities = Tensor(ref_w.T @ data + ref_b).sigmoid().data
            if np.min(np.abs(probabilities - 0.5)) > 1e-6:  # predictions only where they are decided
                case.comparisons.append(compare(key, d[key], (probabilities > 0.5).astype(float)))
        explain_loop(a, case, f"{iterations} gradient-descent step{'s' if iterations > 1 else ''} from zeros",
                     ("initialize_with_zeros", "propagate", "optimize", "predict", "sigmoid"))

    a.run_check(name, [(f"{n} features, {m} examples, {k} iterations", lambda c, n=n, m=m, k=k, r=r: fill(c, n, m, k, r))
                       for n, m, k, r in ((2, 6, 20, 0.5), (4, 10, 120, 0.1))])


# ---------------------------------------------------------------- week 3
def check_week3(a) -> None:
    """Add the checks of every week-3 function the learner defines to auditor ``a``."""
    _check_layer_sizes(a)
    _check_initialize_parameters(a)
    _check_forward_propagation(a)
    _check_compute_cost(a)
    _check_backward_propagation(a)
    _check_update_parameters(a)
    _check_nn_model(a)
    _check_predict_parameters(a)


def _check_layer_sizes(a):
    name = "layer_sizes"
    if not a.ran(name):
        return

    def fill(case, n_x, n_y, m):
        sizes = unpack(name, a.call(name, np.zeros((n_x, m)), np.zeros((n_y, m))), ("n_x", "n_h", "n_y"))
        for label, got, expected in zip(("n_x", "n_h", "n_y"), sizes, (n_x, COURSE_N_H, n_y)):
            case.comparisons.append(compare(label, _number(name, got, label), expected, scalar=True))

    a.run_check(name, [(f"X({n},{m}), Y({k},{m})", lambda c, n=n, k=k, m=m: fill(c, n, k, m))
                       for n, k, m in ((2, 1, 400), (5, 2, 3))])


def _check_initialize_parameters(a):
    name = "initialize_parameters"
    if not a.ran(name) or parameter_names(a, name)[:3] != ["n_x", "n_h", "n_y"]:
        return

    def fill(case, n_x, n_h, n_y):
        parameters = dict_of_arrays(name, call_seeded(a, name, INIT_SEED, n_x, n_h, n_y), "parameters")
        if set(parameters) != {"W1", "b1", "W2", "b2"}:
            raise Malformed(f"{name} returned keys {sorted(parameters)}, expected ['W1', 'W2', 'b1', 'b2']")
        expected = course_initialisation(INIT_SEED, n_x, n_h, n_y)
        for key in ("W1", "b1", "W2", "b2"):
            comparison = compare(key, parameters[key], expected[key])
            case.comparisons.append(comparison)
            got = np.asarray(parameters[key], dtype=float) if comparison.error is not None else None
            if case.diagnosis is None and got is not None and not comparison.ok and key.startswith("W"):
                if same(got, expected[key] / INIT_SCALE):
                    case.diagnosis = f"{key} is not scaled by 0.01"
                elif key == "W2" and same(got, np.random.RandomState(INIT_SEED).randn(n_y, n_h) * INIT_SCALE):
                    case.diagnosis = "W2 is drawn as if first: draw W1, then W2, from the same generator"

    a.run_check(name, [(f"n_x {n}, n_h {h}, n_y {y} (seed {INIT_SEED})", lambda c, n=n, h=h, y=y: fill(c, n, h, y))
                       for n, h, y in ((2, 4, 1), (3, 1, 1), (5, 6, 2))])


PLANAR_CASES = ((2, 1, 1), (2, 4, 5), (3, 5, 8), (2, 6, 12))


def _check_forward_propagation(a):
    name = "forward_propagation"
    if not a.ran(name):
        return

    def fill(case, n_x, n_h, m):
        parameters = planar_parameters(a, n_x, n_h)
        X = a.rng.randn(n_x, m)
        A2, cache = unpack(name, a.call(name, X, parameters), ("A2", "cache"))
        reference, _, _ = planar_reference(X, a.labels(m), parameters)
        case.comparisons.append(compare("A2", A2, reference["A2"]))
        cache = dict_of_arrays(name, cache, "the forward values")
        for key in ("Z1", "A1", "Z2", "A2"):
            if key not in cache:
                raise Malformed(f"{name}'s cache lacks {key!r} (the course's cache holds Z1, A1, Z2, A2)")
            case.comparisons.append(compare(f"cache[{key!r}]", cache[key], reference[key]))
        A1 = np.asarray(cache["A1"], dtype=float) if np.shape(cache["A1"]) == reference["A1"].shape else None
        if A1 is not None and not same(A1, reference["A1"]):
            Z1 = reference["Z1"]
            for text, candidate in (("A1 is relu(Z1): week 3's hidden layer is tanh", np.maximum(Z1, 0)),
                                    ("A1 is sigmoid(Z1): week 3's hidden layer is tanh", 1 / (1 + np.exp(-Z1)))):
                if same(A1, candidate):
                    case.diagnosis = text

    a.run_check(name, [(f"n_x {n}, n_h {h}, {m} examples", lambda c, n=n, h=h, m=m: fill(c, n, h, m))
                       for n, h, m in PLANAR_CASES])


def _check_compute_cost(a):
    name = "compute_cost"
    if not a.ran(name):
        return
    names = parameter_names(a, name)
    if names[:2] != ["A2", "Y"] and len(names) not in (2, 3):
        return
    with_parameters = len(names) == 3

    def fill(case, m):
        A2 = a.rng.uniform(0.05, 0.95, size=(1, m))
        Y = a.labels(m)
        args = (A2, Y, planar_parameters(a, 2, 4)) if with_parameters else (A2, Y)
        cost = a.call(name, *args)
        case.comparisons.append(compare("the cost", cost, F.binary_cross_entropy(Tensor(A2), Y).item(), m=m,
                                        scalar=True))

    form = "compute_cost(A2, Y, parameters)" if with_parameters else "compute_cost(A2, Y)"
    a.run_check(name, [(f"{form}, A2(1,{m})", lambda c, m=m: fill(c, m)) for m in (1, 3, 8)])


def _check_backward_propagation(a):
    name = "backward_propagation"
    if not a.ran(name) or parameter_names(a, name)[:2] != ["parameters", "cache"]:
        return

    def fill(case, n_x, n_h, m):
        parameters = planar_parameters(a, n_x, n_h)
        X, Y = a.rng.randn(n_x, m), a.labels(m)
        cache, _, reference = planar_reference(X, Y, parameters)
        grads = dict_of_arrays(name, a.call(name, parameters, cache, X, Y), "gradients")
        for key in ("dW1", "db1", "dW2", "db2"):
            if key not in grads:
                raise Malformed(f"{name} returned no {key!r}")
            case.comparisons.append(compare(key, grads[key], reference[key], m=m))
        _diagnose_backward(case, grads, parameters, cache, X, Y, reference)

    a.run_check(name, [(f"n_x {n}, n_h {h}, {m} examples", lambda c, n=n, h=h, m=m: fill(c, n, h, m))
                       for n, h, m in PLANAR_CASES])


def _diagnose_backward(case, grads, parameters, cache, X, Y, reference):
    """The week-3 backward pass's usual mistakes, each recognised when it explains the numbers."""
    if case.diagnosis is not None or all(c.ok for c in case.comparisons):
        return
    m = X.shape[1]
    A1, dZ2 = cache["A1"], cache["A2"] - Y
    upstream = parameters["W2"].T @ dZ2
    got = {k: np.asarray(v, dtype=float) for k, v in grads.items() if isinstance(v, (np.ndarray, float, int))}
    for text, dZ1 in (("dZ1 lacks the 1 - A1^2 factor (tanh's derivative)", upstream),
                      ("tanh's derivative is taken as 1 - A1; it is 1 - A1^2", upstream * (1 - A1)),
                      ("tanh's derivative is taken as 1 - Z1^2; it is 1 - tanh(Z1)^2 = 1 - A1^2",
                       upstream * (1 - cache["Z1"] ** 2))):
        if "dW1" in got and same(got["dW1"], dZ1 @ X.T / m):
            case.diagnosis = text
            return
    for key, dZ in (("db1", upstream * (1 - A1 ** 2)), ("db2", dZ2)):
        if key not in got or same(got[key], reference[key]):
            continue
        if same(got[key], np.sum(dZ, axis=0, keepdims=True) / m) or same(got[key], np.sum(dZ, axis=0) / m):
            case.diagnosis = f"{key} sums over the units (axis 0); it must sum over the examples: axis=1, keepdims=True"
            return
        if got[key].size == 1 and got[key].ndim < 2 and same(got[key].reshape(()), np.sum(dZ) / m):
            case.diagnosis = (f"{key} sums over every axis (one number); it must sum over the examples only, "
                              f"into an (n, 1) column: axis=1, keepdims=True")
            return


def _check_update_parameters(a):
    name = "update_parameters"
    if not a.ran(name) or parameter_names(a, name)[:2] != ["parameters", "grads"]:
        return

    def fill(case, n_x, n_h, rate):
        parameters = planar_parameters(a, n_x, n_h)
        grads = {f"d{k}": a.rng.randn(*v.shape) for k, v in parameters.items()}
        args = (parameters, grads) if rate is None else (parameters, grads, rate)
        new = dict_of_arrays(name, a.call(name, *args), "parameters")
        step = DEFAULT_RATE if rate is None else rate
        for key, value in parameters.items():
            if key not in new:
                raise Malformed(f"{name} returned no {key!r}")
            comparison = compare(key, new[key], value - step * grads[f"d{key}"])
            case.comparisons.append(comparison)
            if case.diagnosis is None and not comparison.ok and comparison.error is not None:
                if same(np.asarray(new[key], float), value + step * grads[f"d{key}"]):
                    case.diagnosis = f"it adds the gradient ({key} + learning_rate * d{key}): a step uphill"

    cases = [(f"n_x {n}, n_h {h}, learning_rate {r}", n, h, r) for n, h, r in ((2, 1, 0.1), (2, 4, 0.5))]
    cases.append(("n_x 3, n_h 5, learning_rate left at its default (the course's 1.2)", 3, 5, None))
    a.run_check(name, [(d, lambda c, n=n, h=h, r=r: fill(c, n, h, r)) for d, n, h, r in cases])


def _check_nn_model(a):
    name = "nn_model"
    if not a.ran(name):
        return

    def fill(case, n_x, n_h, m, iterations):
        X, Y = a.rng.randn(n_x, m), a.labels(m)
        parameters = dict_of_arrays(name, a.call(name, X, Y, n_h, iterations, False), "parameters")
        if set(parameters) != {"W1", "b1", "W2", "b2"}:
            raise Malformed(f"{name} returned keys {sorted(parameters)}, expected ['W1', 'W2', 'b1', 'b2']")
        # The course's two templates start from seed 2 (inside initialize_parameters) or seed 3
        # (nn_model's own np.random.seed(3)); either start, then gradient descent at 1.2.
        candidates = [planar_loop(X, Y, course_initialisation(seed, n_x, n_h, 1), iterations)
                      for seed in (INIT_SEED, 3)]

        def matches(expected):
            return all(np.shape(parameters[k]) == v.shape and same(np.asarray(parameters[k], dtype=float), v)
                       for k, v in expected.items())

        expected = next((c for c in candidates if matches(c)), candidates[0])
        case.comparisons += [compare(k, parameters[k], v, m=m) for k, v in expected.items()]
        explain_loop(a, case, f"the course's initialisation then {iterations} gradient-descent step{'s' if iterations > 1 else ''} at 1.2",
                     ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
                      "backward_propagation", "update_parameters"))

    a.run_check(name, [(f"n_x {n}, n_h {h}, {m} examples, {k} iterations", lambda c, n=n, h=h, m=m, k=k: fill(c, n, h, m, k))
                       for n, h, m, k in ((2, 1, 4, 1), (2, 4, 10, 20), (3, 3, 12, 50))])


def _check_predict_parameters(a):
    if not a.ran("predict") or parameter_names(a, "predict")[:1] != ["parameters"]:
        return

    def fill(case, n_x, n_h, m):
        parameters = planar_parameters(a, n_x, n_h, scale=2.0)
        X = a.rng.randn(n_x, m)
        reference, _, _ = planar_reference(X, a.labels(m), parameters)
        keep = np.abs(reference["A2"][0] - 0.5) > 1e-3  # columns whose class is decided
        got = a.call("predict", parameters, X[:, keep])
        expected = (reference["A2"][:, keep] > 0.5).astype(float)
        case.comparisons.append(compare("predictions", got, expected))
        inverted(case, got, expected)

    a.run_check("predict", [(f"n_x {n}, n_h {h}, {m} examples", lambda c, n=n, h=h, m=m: fill(c, n, h, m))
                            for n, h, m in ((2, 1, 3), (2, 4, 10), (3, 6, 20))])
