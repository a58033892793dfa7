"""The checks of the post's functions (Course 1 week 4), one function of the auditor each, and end to end.

Each ``check_*`` tries one of the learner's functions on inputs of several
shapes (``ACTIVATION_SHAPES``, ``LAYER_CASES``, ``MODEL_CASES``, smallest
first, so that the first failing case is the smallest) against the engine's
values and gradients (:mod:`.reference`), and names the usual mistakes when
the numbers show one (:mod:`.diagnose`). A backward function is fed the cache
made by the learner's *own* forward function when that forward is right for
the case, so caches are checked exactly as far as the learner's code
consumes them. :func:`end_to_end` runs the learner's ``L_model_forward`` then
``L_model_backward`` and locates the first wrong layer from the output down.

The post's gradient convention: ``dA`` and ``dZ`` are per-example gradients (m
times the gradient of the cost); the ``1/m`` is applied where ``dW`` and ``db``
are formed. The references follow it, so ``linear_backward(dZ, cache)`` must
return ``dA_prev = W.T @ dZ``, ``dW = dZ @ A_prev.T / m``, ``db = sum(dZ) / m``.
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor

from .. import manual
from .core import Malformed, dict_of_arrays, shape_of, unpack
from .diagnose import compare, diagnose_layer, judge_model_grads, layer_of, same
from .initialisers import judge_initialiser, structure
from .reference import Net, activate, finite_difference_referee, numpy_cost, plain_forward, vjp
from .report import AuditReport, Check
from .sandbox import LearnerFailure

__all__ = ["check_model_backward", "check_post", "check_updates", "end_to_end"]

# Shapes tried. Layer functions: (n_prev, n, m) -- one example, many examples,
# unequal widths, a single unit. Whole models: depths 1 to 5 with unequal widths
# (where a wrong layer usually crashes), and equal hidden widths (where a layer
# fed another layer's gradient gives wrong numbers that can be traced). Each list
# runs from the smallest case up, so the first failing case is the smallest.
ACTIVATION_SHAPES = [(1, 1), (3, 1), (1, 5), (2, 3), (4, 7)]
LAYER_CASES = [(1, 1, 1), (3, 2, 1), (2, 3, 4), (4, 3, 6), (5, 2, 3)]
MODEL_CASES = [([2, 1], 1), ([3, 1], 4), ([4, 3, 1], 1), ([3, 3, 3, 1], 4), ([4, 3, 1], 5),
               ([5, 3, 4, 1], 3), ([3, 4, 4, 4, 1], 5), ([4, 5, 3, 2, 1], 6), ([3, 4, 2, 5, 3, 1], 4)]
END_TO_END_LAYERS = [5, 4, 4, 4, 1]
END_TO_END_EXAMPLES = 6


def check_activations(a):
    for act in ("sigmoid", "relu"):
        if a.ran(act, under="course1-week4"):
            parts = ("A", "cache")  # the post's dnn_utils: (A, cache)
        elif a.ran(act, under="course2-regularization"):
            parts = ("A",)  # Course 2's reg_utils: A only
        else:
            continue

        def fill(case, shape, act=act, parts=parts):
            Z = a.away_from_zero(*shape)
            result = a.call(act, Z)
            if len(parts) == 1 and isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], np.ndarray):
                # Matched as reg_utils' helper, written the post's way: both conventions are fine here.
                a.note(f"{act} returns (A, cache), as in Course 1 week 4; read that way")
                result = result[0]
            A = unpack(act, result, parts)[0]
            ref = activate(Tensor(Z), act).data
            case.comparisons.append(compare("A", A, ref))
            if not case.comparisons[-1].ok and act == "relu" and same(np.asarray(A, float), 1 / (1 + np.exp(-Z))):
                case.diagnosis = "relu computes the sigmoid"

        a.run_check(act, [(f"Z{shape_of(np.empty(s))}", lambda c, s=s: fill(c, s)) for s in ACTIVATION_SHAPES])


def activation_cache(a, act, Z):
    """The cache the learner's own activation makes for Z, when it computes A right; else Z."""
    if a.ran(act):
        try:
            A, cache = unpack(act, a.call(act, Z), ("A", "cache"))
            if same(np.asarray(A, dtype=float), activate(Tensor(Z), act).data):
                return cache
        except (LearnerFailure, Malformed, TypeError, ValueError):
            pass
    return Z


def check_activation_backwards(a):
    for act in ("relu", "sigmoid"):
        name = f"{act}_backward"
        if not a.ran(name):
            continue

        def fill(case, shape, act=act, name=name):
            Z = a.away_from_zero(*shape)
            dA = a.rng.randn(*shape)
            cache = activation_cache(a, act, Z)
            dZ = a.call(name, dA, cache)
            _, (ref,) = vjp(lambda z: activate(z, act), [Z], dA)
            comparison = compare("dZ", dZ, ref)
            case.comparisons.append(comparison)
            if comparison.ok or comparison.error is None:
                return
            a.referee(case, lambda z: activate(z, act), [Z], dA, 0, ref)
            dZ = np.asarray(dZ, dtype=float)
            if act == "relu":
                below = Z <= 0
                if np.any(below) and np.allclose(dZ[below], dA[below]) and np.any(dA[below]):
                    blocks = np.any(~below) and np.allclose(dZ[~below], 0)
                    case.diagnosis = ("relu_backward passes the gradient where Z <= 0"
                                      + (" and blocks it where Z > 0 (the mask is inverted)" if blocks else ""))
                    case.partial = not np.any(~below)
                elif np.any(~below) and np.allclose(dZ[~below], 0):
                    case.diagnosis = "relu_backward blocks the gradient where Z > 0"
                    case.partial = not np.any(below)
            else:
                s = 1 / (1 + np.exp(-Z))
                if same(dZ, dA * s):
                    case.diagnosis = "sigmoid_backward multiplies by s, not by s * (1 - s)"
                elif same(dZ, dA * (1 - s)):
                    case.diagnosis = "sigmoid_backward multiplies by 1 - s, not by s * (1 - s)"
                elif same(dZ, dA * Z * (1 - Z)):
                    case.diagnosis = "sigmoid_backward uses Z * (1 - Z): it needs s = sigmoid(Z) there"

        a.run_check(name, [(f"Z{shape_of(np.empty(s))}", lambda c, s=s: fill(c, s)) for s in ACTIVATION_SHAPES])


# The scales the course's Course 1 initialisers use: 0.01 (the post and the step-by-step notebook),
# 1/sqrt(n_prev) (the course's application utilities); He's sqrt(2/n_prev) is a valid variant too.
DEEP_SCALES = (("randn * 0.01", lambda n_prev: 0.01),
               ("randn / sqrt(n_prev)", lambda n_prev: 1 / np.sqrt(n_prev)),
               ("randn * sqrt(2 / n_prev)", lambda n_prev: np.sqrt(2 / n_prev)))


def check_initialisers(a):
    if a.ran("initialize_parameters", under="course1-week4"):
        def fill(case, dims):
            seed = int(a.rng.randint(2**31))
            parameters = a.call("initialize_parameters", *dims, seed=seed)
            weights = structure(parameters, dims, "initialize_parameters")
            judge_initialiser(case, weights, dims, seed, DEEP_SCALES[:1], "initialize_parameters")
        a.run_check("initialize_parameters", [
            (f"n_x={d[0]}, n_h={d[1]}, n_y={d[2]}", lambda case, d=d: fill(case, d))
            for d in ((2, 3, 1), (5, 4, 1), (4, 7, 2), (300, 40, 1))])
    if a.ran("initialize_parameters_deep"):
        def fill_deep(case, dims):
            seed = int(a.rng.randint(2**31))
            parameters = a.call("initialize_parameters_deep", list(dims), seed=seed)
            weights = structure(parameters, dims, "initialize_parameters_deep")
            judge_initialiser(case, weights, dims, seed, DEEP_SCALES, "initialize_parameters_deep")
        a.run_check("initialize_parameters_deep", [
            (f"layer_dims {d}", lambda case, d=d: fill_deep(case, d))
            for d in ([3, 1], [4, 3, 1], [5, 4, 3, 2, 1], [6, 5, 4, 3, 2, 1], [300, 100, 1])])


def check_linear(a):
    if a.ran("linear_forward"):
        def fill(case, n_prev, n, m):
            A, W, b = a.rng.randn(n_prev, m), a.rng.randn(n, n_prev), a.rng.randn(n, 1)
            Z, _ = unpack("linear_forward", a.call("linear_forward", A, W, b), ("Z", "cache"))
            ref = (Tensor(W) @ Tensor(A) + Tensor(b)).data
            case.comparisons.append(compare("Z", Z, ref))
            if not case.comparisons[-1].ok and isinstance(Z, np.ndarray) and Z.shape == ref.shape:
                if same(Z, W @ A):
                    case.diagnosis = "linear_forward leaves out b"
                elif same(Z, ref - 2 * b):
                    case.diagnosis = "linear_forward subtracts b"
        a.run_check("linear_forward", layer_cases(fill))

    if a.ran("linear_activation_forward"):
        def fill_act(case, n_prev, n, m, act):
            A_prev, W, b = a.rng.randn(n_prev, m), a.rng.randn(n, n_prev), a.rng.randn(n, 1)
            A, _ = unpack("linear_activation_forward",
                           a.call("linear_activation_forward", A_prev, W, b, act), ("A", "cache"))
            Z = Tensor(W) @ Tensor(A_prev) + Tensor(b)
            ref = activate(Z, act).data
            case.comparisons.append(compare("A", A, ref))
            other = "relu" if act == "sigmoid" else "sigmoid"
            if not case.comparisons[-1].ok and isinstance(A, np.ndarray) and same(A, activate(Z, other).data):
                case.diagnosis = f"linear_activation_forward applies {other} when asked for {act}"
        a.run_check("linear_activation_forward", [
            (f"{act}, A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m, act=act: fill_act(c, p, n, m, act))
            for act in ("relu", "sigmoid") for p, n, m in LAYER_CASES])


def layer_cases(fill):
    return [(f"A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m: fill(c, p, n, m))
            for p, n, m in LAYER_CASES]


def linear_cache(a, A, W, b):
    if a.ran("linear_forward"):
        try:
            Z, cache = unpack("linear_forward", a.call("linear_forward", A, W, b), ("Z", "cache"))
            if same(np.asarray(Z, dtype=float), W @ A + b):
                return cache
        except (LearnerFailure, Malformed, TypeError, ValueError):
            pass
    return (A, W, b)


def layer_cache(a, A_prev, W, b, act):
    if a.ran("linear_activation_forward"):
        try:
            A, cache = unpack("linear_activation_forward",
                               a.call("linear_activation_forward", A_prev, W, b, act), ("A", "cache"))
            if same(np.asarray(A, dtype=float), activate(Tensor(W @ A_prev + b), act).data):
                return cache
        except (LearnerFailure, Malformed, TypeError, ValueError):
            pass
    return ((A_prev, W, b), W @ A_prev + b)


def compare_layer_grads(case, name, result, refs, m):
    dA_prev, dW, db = unpack(name, result, ("dA_prev", "dW", "db"))
    for label, got, ref in (("dA_prev", dA_prev, refs[0]), ("dW", dW, refs[1]), ("db", db, refs[2])):
        case.comparisons.append(compare(label, got, ref, m=m))


def check_linear_backwards(a):
    if a.ran("linear_backward"):
        def fill(case, n_prev, n, m):
            A, W, b = a.rng.randn(n_prev, m), a.rng.randn(n, n_prev), a.rng.randn(n, 1)
            dZ = a.rng.randn(n, m)
            cache = linear_cache(a, A, W, b)
            result = a.call("linear_backward", dZ, cache)
            _, (gA, gW, gb) = vjp(lambda A, W, b: W @ A + b, [A, W, b], dZ)
            compare_layer_grads(case, "linear_backward", result, (gA, gW / m, gb / m), m)
            if not case.ok and case.failure is None:
                def cost_of():
                    return float(np.sum(dZ * (Wv @ A + b)) / m)
                Wv = W.copy()
                case.referee = finite_difference_referee(cost_of, Wv, gW / m, a.rng)
        a.run_check("linear_backward", layer_cases(fill))

    if a.ran("linear_activation_backward"):
        def fill_act(case, n_prev, n, m, act):
            A_prev, W, b = a.rng.randn(n_prev, m), a.rng.randn(n, n_prev), a.rng.randn(n, 1)
            if act == "relu":  # keep Z off the kink
                b = b + np.where(np.abs(W @ A_prev + b) < 0.1, 0.2, 0.0)[:, :1]
            dA = a.rng.randn(n, m)
            cache = layer_cache(a, A_prev, W, b, act)
            result = a.call("linear_activation_backward", dA, cache, act)
            f = lambda A, W, b: activate(W @ A + b, act)
            _, (gA, gW, gb) = vjp(f, [A_prev, W, b], dA)
            compare_layer_grads(case, "linear_activation_backward", result, (gA, gW / m, gb / m), m)
            if not case.ok and case.failure is None:
                a.referee(case, f, [A_prev, W, b], dA, 1, gW / m, scale=1 / m)
            if not case.ok and case.failure is None and case.diagnosis is None:
                other = "relu" if act == "sigmoid" else "sigmoid"
                Z = W @ A_prev + b
                _, (oZ,) = vjp(lambda z: activate(z, other), [Z], dA)
                try:
                    got = unpack("linear_activation_backward", result, ("dA_prev", "dW", "db"))
                    if same(np.asarray(got[1], float), oZ @ A_prev.T / m):
                        case.diagnosis = f"linear_activation_backward uses {other}'s derivative when asked for {act}"
                except Malformed:
                    pass
        a.run_check("linear_activation_backward", [
            (f"{act}, A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m, act=act: fill_act(c, p, n, m, act))
            for act in ("relu", "sigmoid") for p, n, m in LAYER_CASES])


def check_model_forward(a):
    if not a.ran("L_model_forward"):
        return

    def fill(case, dims, m):
        X, _, parameters = a.model_case(dims, m)
        AL, _ = unpack("L_model_forward", a.call("L_model_forward", X, parameters), ("AL", "caches"))
        net = Net(X, a.labels(m), parameters)
        case.comparisons.append(compare("AL", AL, net.AL))
        if not case.comparisons[-1].ok and isinstance(AL, np.ndarray) and AL.shape == net.AL.shape:
            for description, last, hidden in (("the last layer uses relu instead of sigmoid", "relu", "relu"),
                                              ("the hidden layers use sigmoid instead of relu", "sigmoid", "sigmoid"),
                                              ("the activations are swapped (sigmoid inside, relu last)", "relu", "sigmoid")):
                if same(AL, plain_forward(X, parameters, hidden, last)):
                    case.diagnosis = description
                    break

    a.run_check("L_model_forward", [(describe(d, m), lambda c, d=d, m=m: fill(c, d, m))
                                       for d, m in MODEL_CASES])


def describe(dims, m):
    return f"layers {dims}, {m} example{'s' if m != 1 else ''}"


def check_cost(a):
    if not a.ran("compute_cost", under="course1-week4"):
        return

    def fill(case, m):
        AL = a.rng.uniform(0.05, 0.95, size=(1, m))
        Y = a.labels(m)
        cost = a.call("compute_cost", AL, Y)
        ref = F.binary_cross_entropy(Tensor(AL), Y).item()
        case.comparisons.append(compare("the cost", cost, ref, m=m, scalar=True))

    a.run_check("compute_cost", [(f"AL(1,{m})", lambda c, m=m: fill(c, m)) for m in (1, 3, 8)])


def model_caches(a, X, parameters, net, forward="L_model_forward", extra=lambda: ()):
    """AL and caches from the learner's forward when it computes AL right, else the project's.

    ``extra``: makes the forward's further arguments afresh for each call (a new rng).
    """
    if a.ran(forward):
        try:
            AL, caches = unpack(forward, a.call(forward, X, parameters, *extra()), ("AL", "caches"))
            if same(np.asarray(AL, dtype=float), net.AL):
                return AL, caches
        except (LearnerFailure, Malformed, TypeError, ValueError):
            pass
    return getattr(manual, forward)(X, parameters, *extra())


def dropout_masks(dims, m, keep_prob, seed):
    # The masks the fixed signature implies: rng.rand(*A.shape) < keep_prob, hidden layers in order.
    rng = np.random.RandomState(seed)
    return [(rng.rand(n, m) < keep_prob).astype(np.float64) for n in dims[1:-1]]


def check_model_backward(a, name="L_model_backward", lambd=None, keep_prob=None):
    if not a.ran(name):
        return

    def fill(case, dims, m):
        X, Y, parameters = a.model_case(dims, m)
        masks, forward, extra, more = None, "L_model_forward", (lambda: ()), ()
        if keep_prob is not None:
            seed = int(a.rng.randint(2**31))
            masks = dropout_masks(dims, m, keep_prob, seed)
            forward = "L_model_forward_with_dropout"
            extra = lambda: (keep_prob, np.random.RandomState(seed))
            more = (keep_prob,)
        elif lambd is not None:
            more = (lambd,)
        net = Net(X, Y, parameters, lambd=lambd or 0.0, masks=masks, keep_prob=keep_prob or 1.0)
        AL, caches = model_caches(a, X, parameters, net, forward, extra)
        grads = dict_of_arrays(name, a.call(name, AL, Y, caches, *more), "gradients")
        rows, layer, diagnosis = judge_model_grads(grads, net, name, note=a.note)
        case.comparisons.extend(rows.values())
        if layer is not None:
            case.diagnosis = diagnosis
            key = next(k for k, c in rows.items() if not c.ok)
            if key[1] in "Wb" and rows[key].error is not None:
                p = parameters[key[1:]]  # dW2 -> W2, perturbed in place by the referee

                def cost_of():
                    return numpy_cost(X, Y, parameters, lambd or 0.0, masks, keep_prob or 1.0)
                case.referee = f"{key}: " + finite_difference_referee(cost_of, p, net.grads[key], a.rng)

    a.run_check(name, [(describe(d, m), lambda c, d=d, m=m: fill(c, d, m)) for d, m in MODEL_CASES])


def check_updates(a, name="update_parameters"):
    if not a.ran(name, under=("course1-week4", "course2-optimization")):
        return

    def fill(case, dims, rate):
        parameters = a.parameters(dims)
        grads = {f"d{k}": a.rng.randn(*v.shape) for k, v in parameters.items()}
        new = dict_of_arrays(name, a.call(name, parameters, grads, rate), "parameters")
        for key, value in parameters.items():
            if key not in new:
                raise Malformed(f"{name} returned no {key!r}")
            g = grads[f"d{key}"]
            comparison = compare(key, new[key], value - rate * g)
            case.comparisons.append(comparison)
            if not comparison.ok and comparison.error is not None and case.diagnosis is None:
                got = np.asarray(new[key], dtype=float)
                for text, candidate in ((f"it adds the gradient ({key} + learning_rate * d{key}): "
                                         f"a step uphill", value + rate * g),
                                        (f"it ignores the learning rate ({key} - d{key})", value - g),
                                        (f"it leaves {key} unchanged", value),
                                        (f"it returns the step, not the updated {key}", -rate * g)):
                    if same(got, candidate):
                        case.diagnosis = text
                        break

    a.run_check(name, [(f"layers {d}, learning_rate {r}", lambda c, d=d, r=r: fill(c, d, r))
                          for d, r in (([2, 1], 0.1), ([4, 3, 1], 0.0075), ([5, 3, 4, 2, 1], 0.5))])


def end_to_end(a, report: AuditReport):
    dims, m = END_TO_END_LAYERS, END_TO_END_EXAMPLES
    X, Y, parameters = a.model_case(dims, m)
    net = Net(X, Y, parameters)
    report.end_to_end = (f"your L_model_forward then L_model_backward on {net.describe()} "
                         f"(gradients from the output down)")
    keys = [k for l in range(net.L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    try:
        AL, caches = unpack("L_model_forward", a.call("L_model_forward", X, parameters), ("AL", "caches"))
        grads = dict_of_arrays("L_model_backward", a.call("L_model_backward", AL, Y, caches), "gradients")
    except (LearnerFailure, Malformed) as exc:
        text = exc.text if isinstance(exc, LearnerFailure) else str(exc)
        for key in (k for k in keys if not k.startswith("dA")):
            a.checks.append(Check(name=key, ok=False, shapes=[shape_of(net.grads[key])], error=text,
                                     group="end to end", failing_case=net.describe()))
        report.location = "end to end: your model did not run, so no layer could be located"
        return
    rows, layer, diagnosis = judge_model_grads(grads, net, "L_model_backward", note=a.note)
    through = _end_to_end_through(a, X, Y, parameters, net) if layer is not None else []
    because = ""
    if through:
        because = (f"wrong because your {' and your '.join(through)} {'is' if len(through) == 1 else 'are'} "
                   f"(with the project's {' and '.join(through)}, every gradient agrees)")
    # Each wrong layer gets its own diagnosis; below the first one, a layer with no
    # pattern of its own is wrong because of what came down to it.
    per_layer = {}
    for l in sorted({layer_of(k) for k, c in rows.items() if not c.ok}, reverse=True):
        received_right = rows.get(f"dA{l}") is not None and rows[f"dA{l}"].ok
        per_layer[l] = diagnosis if l == layer else (
            diagnose_layer(grads, net, l)
            or (None if received_right else f"follows from the wrong gradients of layer {layer} above it"))
    for key, comparison in rows.items():
        a.checks.append(Check(name=key, ok=comparison.ok, shapes=[shape_of(net.grads[key])],
                                 max_rel_error=comparison.error, group="end to end",
                                 diagnosis=None if comparison.ok else "; ".join(filter(None, (
                                     per_layer.get(layer_of(key)) or comparison.problem, because))) or None,
                                 failing_case=None if comparison.ok else net.describe()))
    report.first_wrong_layer = layer
    if layer is None:
        report.location = "end to end: every gradient agrees with autodiff"
    else:
        above = f"gradients agree from layer {net.L} down to layer {layer + 1}; " if layer < net.L else ""
        report.location = (f"end to end: {above}layer {layer} is the first (from the output down) "
                           f"where they stop agreeing" + (f": {diagnosis}" if diagnosis else "")
                           + (f"; {because}" if because else ""))


def _end_to_end_through(a, X, Y, parameters, net) -> list:
    """The learner's wrong helpers that alone make the end-to-end gradients wrong, or []."""
    helpers = [h for h in a.wrong_helpers("L_model_backward") if h not in ("L_model_forward", "L_model_backward")]
    if not helpers:
        return []

    def right_with(subset):
        with a.substituting(subset):
            try:
                AL, caches = unpack("L_model_forward", a.call("L_model_forward", X, parameters), ("AL", "caches"))
                grads = dict_of_arrays("L_model_backward", a.call("L_model_backward", AL, Y, caches), "gradients")
                return judge_model_grads(grads, net, "L_model_backward")[1] is None
            except Exception:  # still failing with the project's helpers: not only their fault
                return False
    if not right_with(helpers):
        return []
    return next(([h] for h in helpers if len(helpers) > 1 and right_with([h])), helpers)


def check_post(a) -> None:
    """Add the checks of every post function the learner defines to auditor ``a``, in the post's order."""
    check_activations(a)
    check_activation_backwards(a)
    check_initialisers(a)
    check_linear(a)
    check_linear_backwards(a)
    check_model_forward(a)
    check_cost(a)
    check_model_backward(a)
    check_updates(a)
