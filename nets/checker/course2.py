"""The audit of the course's next functions: L2, dropout, momentum, Adam, mini-batches, decay.

Signatures are those of :mod:`nets.manual.course2` (the course's 3-layer functions
generalised to L layers, with the post's caches). Gradients are checked against
autodiff exactly as the post's are (see :mod:`.post`); update rules,
schedules and mini-batches against the rules written out here, independently of
``nets.manual``.
"""
from __future__ import annotations

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor

from .core import Malformed, dict_of_arrays, unpack
from .diagnose import compare, judge_model_grads, same
from .initialisers import judge_initialiser, structure
from .report import plural
from .post import check_activations, check_model_backward, check_updates, describe, dropout_masks
from .reference import Net

__all__ = ["check_course2", "check_initialization", "check_optimization", "check_project", "check_regularization"]

LAMBD = 0.7
KEEP_PROB = 0.75


def check_course2(a) -> None:
    """Add the checks of every course-2 function the learner defines to auditor ``a``
    (the project's L-layer forms and the optimisation assignment)."""
    check_project(a)
    check_optimization(a)


def check_project(a) -> None:
    """The project's L-layer forms of the regularisation functions (:mod:`nets.manual.course2`)."""
    if a.ran("compute_cost_with_regularization", under="project"):
        _check_regularised_cost(a, MODEL_L2_CASES)
    check_model_backward(a, "L_model_backward_with_regularization", lambd=LAMBD)
    _check_dropout_forward(a)
    check_model_backward(a, "L_model_backward_with_dropout", keep_prob=KEEP_PROB)


def check_initialization(a) -> None:
    """The initialisation assignment's three initialisers."""
    check_initializers(a)


def check_regularization(a) -> None:
    """The regularisation assignment's 3-layer functions, with that notebook's signatures."""
    check_three_layer(a)


def check_optimization(a) -> None:
    """The optimisation assignment: gradient descent, momentum, Adam, mini-batches, decay."""
    check_updates(a, "update_parameters_with_gd")
    _check_zeros_like_parameters(a, "initialize_velocity", 1)
    _check_zeros_like_parameters(a, "initialize_adam", 2)
    _check_momentum(a)
    _check_adam(a)
    _check_mini_batches(a)
    _check_decay(a)


def _penalty(parameters):
    return sum(float(np.sum(parameters[f"W{l}"] ** 2)) for l in range(1, len(parameters) // 2 + 1))


MODEL_L2_CASES = (([2, 1], 1), ([3, 2, 1], 4), ([4, 3, 2, 1], 6))


def _check_regularised_cost(a, cases):
    name = "compute_cost_with_regularization"

    def fill(case, dims, m):
        parameters = a.parameters(dims)
        AL = a.rng.uniform(0.05, 0.95, size=(1, m))
        Y = a.labels(m)
        cost = a.call(name, AL, Y, parameters, LAMBD)
        W = [Tensor(parameters[f"W{l}"]) for l in range(1, len(dims))]
        squares = W[0] * W[0]
        reference = F.binary_cross_entropy(Tensor(AL), Y) + sum(((w * w).sum() for w in W[1:]), squares.sum()) * (
            LAMBD / (2 * m))
        comparison = compare("the cost", cost, reference.item(), m=m, scalar=True)
        case.comparisons.append(comparison)
        if comparison.ok or comparison.error is None:
            return
        got = float(np.asarray(cost, dtype=float).reshape(-1)[0])
        cross_entropy = F.binary_cross_entropy(Tensor(AL), Y).item()
        p = _penalty(parameters)
        for text, candidate in (("it leaves out the L2 penalty", cross_entropy),
                                ("the penalty is lambd / m * sum ||W||^2: a missing 1/2", cross_entropy + LAMBD / m * p),
                                ("the penalty is lambd / 2 * sum ||W||^2: a missing 1/m",
                                 cross_entropy + LAMBD / 2 * p),
                                ("it subtracts the penalty", cross_entropy - LAMBD / (2 * m) * p)):
            if same(got, candidate):
                case.diagnosis = text
                break

    a.run_check(name, [(f"layers {d}, {plural(m, 'example')}, lambd {LAMBD}", lambda c, d=d, m=m: fill(c, d, m))
                       for d, m in cases])


def _check_dropout_forward(a):

    name = "L_model_forward_with_dropout"
    if not a.ran(name):
        return

    def fill(case, dims, m):
        X, Y, parameters = a.model_case(dims, m)
        seed = int(a.rng.randint(2**31))
        masks = dropout_masks(dims, m, KEEP_PROB, seed)
        AL, _ = unpack(name, a.call(name, X, parameters, KEEP_PROB, np.random.RandomState(seed)), ("AL", "caches"))
        net = Net(X, Y, parameters, masks=masks, keep_prob=KEEP_PROB)
        comparison = compare("AL", AL, net.AL)
        case.comparisons.append(comparison)
        if comparison.ok or comparison.error is None:
            return
        for text, kwargs in (("it does not divide the kept activations by keep_prob",
                              dict(masks=masks, keep_prob=1.0)),
                             ("it applies no dropout", dict()),
                             ("it keeps the units where rand >= keep_prob (the mask is inverted)",
                              dict(masks=[1.0 - d for d in masks], keep_prob=KEEP_PROB))):
            if same(np.asarray(AL, float), Net(X, Y, parameters, **kwargs).AL):
                case.diagnosis = text
                break

    a.run_check(name, [(describe(d, m) + f", keep_prob {KEEP_PROB}", lambda c, d=d, m=m: fill(c, d, m))
                       for d, m in (([3, 1], 4), ([4, 3, 1], 5), ([3, 4, 4, 1], 6), ([4, 5, 3, 2, 1], 7))])


def _check_zeros_like_parameters(a, name, how_many):
    if not a.ran(name):
        return

    def fill(case, dims):
        parameters = a.parameters(dims)
        result = a.call(name, parameters)
        parts = unpack(name, result, ("v", "s")) if how_many == 2 else (result,)
        for label, part in zip(("v", "s"), parts):
            part = dict_of_arrays(name, part, "zeros")
            expected = {f"d{k}" for k in parameters}
            if set(part) != expected:
                raise Malformed(f"{name}'s {label} has keys {sorted(part)}, expected {sorted(expected)}")
            for key, value in parameters.items():
                case.comparisons.append(compare(f"{label}[d{key}]", part[f"d{key}"], np.zeros_like(value)))

    a.run_check(name, [(f"layers {d}", lambda c, d=d: fill(c, d)) for d in ([2, 1], [4, 3, 1], [5, 3, 4, 2, 1])])


def _state(a, parameters, positive=False):
    return {f"d{k}": (a.rng.rand(*v.shape) + 0.01 if positive else a.rng.randn(*v.shape))
            for k, v in parameters.items()}


def _check_momentum(a):

    name = "update_parameters_with_momentum"
    if not a.ran(name):
        return

    def fill(case, dims, beta, rate):
        parameters = a.parameters(dims)
        grads, v = _state(a, parameters), _state(a, parameters)
        new_parameters, new_v = unpack(name, a.call(name, parameters, grads, v, beta, rate), ("parameters", "v"))
        new_parameters = dict_of_arrays(name, new_parameters, "parameters")
        new_v = dict_of_arrays(name, new_v, "velocities")
        for key, value in parameters.items():
            g, old = grads[f"d{key}"], v[f"d{key}"]
            velocity = beta * old + (1 - beta) * g
            if key not in new_parameters or f"d{key}" not in new_v:
                raise Malformed(f"{name} returned no {key!r} (or no 'd{key}' velocity)")
            vc = compare(f"v[d{key}]", new_v[f"d{key}"], velocity)
            pc = compare(key, new_parameters[key], value - rate * velocity)
            case.comparisons += [vc, pc]
            if case.diagnosis is None and not vc.ok and vc.error is not None:
                got = np.asarray(new_v[f"d{key}"], float)
                if same(got, beta * old + g):
                    case.diagnosis = "the velocity leaves out the (1 - beta) factor on the gradient"
                elif same(got, (1 - beta) * old + beta * g):
                    case.diagnosis = "beta and 1 - beta are swapped in the velocity"
            if case.diagnosis is None and vc.ok and not pc.ok and pc.error is not None:
                got = np.asarray(new_parameters[key], float)
                for text, candidate in (("it steps along the gradient, not the velocity", value - rate * g),
                                        ("it steps along the old velocity, not the new one", value - rate * old),
                                        ("it adds the velocity: a step uphill", value + rate * velocity)):
                    if same(got, candidate):
                        case.diagnosis = text
                        break

    a.run_check(name, [(f"layers {d}, beta {b}, learning_rate {r}", lambda c, d=d, b=b, r=r: fill(c, d, b, r))
                       for d, b, r in (([2, 1], 0.9, 0.1), ([4, 3, 1], 0.5, 0.01), ([5, 3, 4, 1], 0.99, 0.3))])


def _check_adam(a):

    name = "update_parameters_with_adam"
    if not a.ran(name):
        return

    def fill(case, dims, t, rate, beta1, beta2, epsilon):
        parameters = a.parameters(dims)
        grads, v, s = _state(a, parameters), _state(a, parameters), _state(a, parameters, positive=True)
        result = a.call(name, parameters, grads, v, s, t, rate, beta1, beta2, epsilon)
        # The 2021+ notebook also returns v_corrected and s_corrected.
        parts = (("parameters", "v", "s", "v_corrected", "s_corrected")
                 if isinstance(result, (tuple, list)) and len(result) == 5 else ("parameters", "v", "s"))
        unpacked = [dict_of_arrays(name, part, "arrays") for part in unpack(name, result, parts)]
        new_p, new_v, new_s = unpacked[:3]
        corrected = unpacked[3:]
        for key, value in parameters.items():
            g = grads[f"d{key}"]
            v1 = beta1 * v[f"d{key}"] + (1 - beta1) * g
            s1 = beta2 * s[f"d{key}"] + (1 - beta2) * g ** 2
            vh, sh = v1 / (1 - beta1 ** t), s1 / (1 - beta2 ** t)
            expected = value - rate * vh / (np.sqrt(sh) + epsilon)
            if key not in new_p or f"d{key}" not in new_v or f"d{key}" not in new_s:
                raise Malformed(f"{name} returned no {key!r} (or no 'd{key}' moment)")
            vc = compare(f"v[d{key}]", new_v[f"d{key}"], v1)
            sc = compare(f"s[d{key}]", new_s[f"d{key}"], s1)
            pc = compare(key, new_p[key], expected)
            case.comparisons += [vc, sc, pc]
            for label, part, expected_part in zip(("v_corrected", "s_corrected"), corrected, (vh, sh)):
                if f"d{key}" not in part:
                    raise Malformed(f"{name}'s {label} has no 'd{key}'")
                case.comparisons.append(compare(f"{label}[d{key}]", part[f"d{key}"], expected_part))
            if case.diagnosis is None and vc.ok and sc.ok and not pc.ok and pc.error is not None:
                got = np.asarray(new_p[key], float)
                for text, candidate in (
                        ("epsilon is inside the square root", value - rate * vh / np.sqrt(sh + epsilon)),
                        ("no bias correction", value - rate * v1 / (np.sqrt(s1) + epsilon)),
                        ("the bias correction uses t - 1 or t + 1, not t",
                         value - rate * (v1 / (1 - beta1 ** (t + 1))) / (np.sqrt(s1 / (1 - beta2 ** (t + 1))) + epsilon)),
                        ("it adds the step: uphill", value + rate * vh / (np.sqrt(sh) + epsilon))):
                    if same(got, candidate):
                        case.diagnosis = text
                        break
            if case.diagnosis is None and not sc.ok and sc.error is not None:
                if same(np.asarray(new_s[f"d{key}"], float), beta2 * s[f"d{key}"] + (1 - beta2) * g):
                    case.diagnosis = "s averages the gradient, not its square"

    a.run_check(name, [
        (f"layers {d}, t={t}, learning_rate {r}, epsilon {e:g}",
         lambda c, d=d, t=t, r=r, e=e: fill(c, d, t, r, 0.9, 0.999, e))
        for d, t, r, e in (([2, 1], 1, 0.01, 1e-8), ([4, 3, 1], 3, 0.1, 1e-2), ([5, 3, 4, 1], 10, 0.01, 1e-8))])


def _check_mini_batches(a):

    name = "random_mini_batches"
    if not a.ran(name):
        return

    def fill(case, m, size, seed):
        # Column j of X holds j in its first row, so where every column went can be read off.
        X = np.vstack([np.arange(m, dtype=float), a.rng.randn(2, m)])
        Y = (a.rng.rand(1, m) > 0.5).astype(float)
        batches = a.call(name, X, Y, size, seed)
        if not isinstance(batches, (list, tuple)):
            raise Malformed(f"{name} returned a {type(batches).__name__}, expected a list of (X, Y) pairs")
        expected_sizes = [size] * (m // size) + ([m % size] if m % size else [])
        sizes, order = [], []
        for i, batch in enumerate(batches):
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise Malformed(f"{name}'s batch {i} is not an (X, Y) pair")
            bx, by = np.asarray(batch[0]), np.asarray(batch[1])
            if bx.ndim != 2 or bx.shape[0] != X.shape[0] or by.shape != (1, bx.shape[1]):
                raise Malformed(f"{name}'s batch {i} has X {bx.shape} and Y {by.shape}; expected "
                                 f"({X.shape[0]}, k) and (1, k)")
            columns = bx[0].astype(int)
            if not np.array_equal(bx[0], columns) or columns.min(initial=0) < 0 or columns.max(initial=0) >= m \
                    or not np.array_equal(bx, X[:, columns]):
                raise Malformed(f"{name}'s batch {i} holds columns that are not columns of X")
            if not np.array_equal(by, Y[:, columns]):
                raise Malformed(f"{name}'s batch {i} pairs X columns with the wrong labels "
                                 f"(X and Y must be shuffled with the same permutation)")
            sizes.append(bx.shape[1])
            order.extend(columns.tolist())
        if sorted(order) != list(range(m)):
            where = _last_batch_start(order, sizes, size, m, seed)
            if where is not None:
                raise Malformed(f"{name}'s last batch starts at shuffled column {where}, expected "
                                f"{size * (m // size)} (after the {m // size} full batches of {size})")
            missing = sorted(set(range(m)) - set(order))
            raise Malformed(f"{name}'s batches are not a partition of the columns: "
                             + (f"{'column' if len(missing) == 1 else 'columns'} {missing[:5]} missing" if missing else "some columns repeated"))
        if sizes != expected_sizes:
            raise Malformed(f"{name} made batches of sizes {sizes}, expected {expected_sizes} "
                             f"(full batches of {size}, then the rest)")
        if m > 3 and order == list(range(m)):
            raise Malformed(f"{name} does not shuffle: the columns come out in their original order")

    # Several full batches and a remainder (148 = 2 x 64 + 20 = 4 x 32 + 20; 13 = 3 x 4 + 1 = 4 x 3 + 1),
    # exact multiples, and fewer examples than one batch.
    a.run_check(name, [(f"m={m}, mini_batch_size={k}", lambda c, m=m, k=k: fill(c, m, k, 3))
                       for m, k in ((1, 1), (8, 4), (10, 4), (13, 4), (13, 3), (5, 64), (7, 1), (148, 64),
                                    (148, 32), (128, 64))])


def _last_batch_start(order, sizes, size, m, seed):
    """Where the last batch starts in the course's shuffled order (np.random.seed(seed);
    permutation(m)), when the full batches follow it and the last batch is a wrong slice of it."""
    permutation = np.random.RandomState(seed).permutation(m).tolist()
    full = m // size
    if len(sizes) != full + 1 or sizes[:full] != [size] * full or order[:full * size] != permutation[:full * size]:
        return None
    last = order[full * size:]
    for start in range(m):
        if start != full * size and permutation[start:start + len(last)] == last:
            return start
    return None


def _check_decay(a):
    if a.ran("update_lr"):
        def fill(case, rate, epoch, decay):
            got = a.call("update_lr", rate, epoch, decay)
            case.comparisons.append(compare("the learning rate", got, rate / (1 + decay * epoch), scalar=True))
        a.run_check("update_lr", [(f"epoch {e}, decay_rate {d}", lambda c, e=e, d=d: fill(c, 0.5, e, d))
                                  for e, d in ((0, 1.0), (1, 1.0), (10, 0.3), (7, 2.0))])
    if a.ran("schedule_lr_decay"):
        def fill_s(case, rate, epoch, decay, interval):
            got = a.call("schedule_lr_decay", rate, epoch, decay, interval)
            expected = rate / (1 + decay * np.floor(epoch / interval))
            comparison = compare("the learning rate", got, expected, scalar=True)
            case.comparisons.append(comparison)
            if not comparison.ok and comparison.error is not None:
                if same(np.asarray(got, float).reshape(()), rate / (1 + decay * epoch / interval)):
                    case.diagnosis = "it does not round epoch_num / time_interval down (the rate must change in steps)"
        a.run_check("schedule_lr_decay", [
            (f"epoch {e}, decay_rate {d}, time_interval {t}", lambda c, e=e, d=d, t=t: fill_s(c, 0.5, e, d, t))
            for e, d, t in ((0, 1.0, 1000), (999, 1.0, 1000), (2500, 0.3, 1000), (25, 2.0, 10))])


# -- the initialisation assignment -----------------------------------------------------------------

INIT_CASES = ([2, 1], [3, 2, 1], [4, 3, 2, 1], [5, 4, 3, 2, 1], [300, 100, 1])
INITIALIZERS = {
    "initialize_parameters_random": (("randn * 10 (the notebook's large start)", lambda n_prev: 10.0),),
    "initialize_parameters_he": (("randn * sqrt(2 / layers_dims[l-1])", lambda n_prev: np.sqrt(2 / n_prev)),),
}


def check_initializers(a):
    name = "initialize_parameters_zeros"
    if a.ran(name):
        def fill_zeros(case, dims):
            weights = structure(a.call(name, list(dims), seed=int(a.rng.randint(2**31))), dims, name)
            for l, W in enumerate(weights, start=1):
                case.comparisons.append(compare(f"W{l}", W, np.zeros(W.shape)))
        a.run_check(name, [(f"layers_dims {d}", lambda c, d=d: fill_zeros(c, d)) for d in INIT_CASES])
    for name, scales in INITIALIZERS.items():
        if not a.ran(name):
            continue

        def fill(case, dims, name=name, scales=scales):
            seed = int(a.rng.randint(2**31))
            weights = structure(a.call(name, list(dims), seed=seed), dims, name)
            judge_initialiser(case, weights, dims, seed, scales, name)
        a.run_check(name, [(f"layers_dims {d}", lambda c, d=d: fill(c, d)) for d in INIT_CASES])


# -- the regularisation assignment's 3-layer functions ---------------------------------------------

# [n_x, n1, n2, 1]: the notebook's 2-D inputs, unequal widths, equal hidden widths (where a layer fed
# another layer's gradient shows), its own [2, 20, 3, 1].
THREE_LAYER_CASES = (([2, 3, 2, 1], 1), ([2, 5, 3, 1], 4), ([3, 4, 4, 1], 6), ([2, 20, 3, 1], 10))
COURSE_DROPOUT_SEED = 1  # the notebook's forward_propagation_with_dropout seeds numpy with 1 itself
COURSE_KEEP_PROB = 0.86


def course_masks(dims, m, keep_prob, seed):
    """D1 then D2, as the notebook draws them after np.random.seed(seed)."""
    rs = np.random.RandomState(seed)
    return [(rs.rand(dims[1], m) < keep_prob).astype(float), (rs.rand(dims[2], m) < keep_prob).astype(float)]


def course_cache(net, dropout=False):
    """The notebook's flat cache for ``net`` (a 3-layer :class:`Net`), with the masks when ``dropout``."""
    (Z1, Z2, Z3), (_, A1, A2, A3) = net.Zs, net.A_values
    p = net.parameters
    if dropout:
        D1, D2 = net.masks
        return (Z1, D1, A1, p["W1"], p["b1"], Z2, D2, A2, p["W2"], p["b2"], Z3, A3, p["W3"], p["b3"])
    return (Z1, A1, p["W1"], p["b1"], Z2, A2, p["W2"], p["b2"], Z3, A3, p["W3"], p["b3"])


def _weights_and_biases(grads):
    # The notebook's backward functions also return dZ and dA arrays, in conventions that differ
    # between them (reg_utils scales dz3 by 1/m, the assignment does not): only dW and db are judged.
    return {k: v for k, v in grads.items() if isinstance(k, str) and k[:2] in ("dW", "db")}


def three_layer_case(a, dims, m):
    X, Y, parameters = a.model_case(dims, m)
    return X, Y, parameters


def check_three_layer(a):
    under = "course2-regularization"
    if a.ran("sigmoid", under=under) or a.ran("relu", under=under):
        check_activations(a)  # reg_utils' helpers: A only
    if a.ran("forward_propagation", under=under):
        def fill_forward(case, dims, m):
            X, Y, parameters = three_layer_case(a, dims, m)
            A3 = unpack("forward_propagation", a.call("forward_propagation", X, parameters), ("A3", "cache"))[0]
            case.comparisons.append(compare("A3", A3, Net(X, Y, parameters).AL))
        a.run_check("forward_propagation", _cases(fill_forward))
    if a.ran("compute_cost", under=under):
        def fill_cost(case, m):
            A3, Y = a.rng.uniform(0.05, 0.95, size=(1, m)), a.labels(m)
            cost = a.call("compute_cost", A3, Y)
            ref = F.binary_cross_entropy(Tensor(A3), Y).item()
            case.comparisons.append(compare("the cost", cost, ref, m=m, scalar=True))
        a.run_check("compute_cost", [(f"a3(1,{m})", lambda c, m=m: fill_cost(c, m)) for m in (1, 3, 8)])
    if a.ran("compute_cost_with_regularization", under=under):
        _check_regularised_cost(a, THREE_LAYER_CASES)
    for name, lambd in (("backward_propagation", None), ("backward_propagation_with_regularization", LAMBD)):
        if a.ran(name, under=under):
            _check_three_layer_backward(a, name, lambd=lambd)
    if a.ran("forward_propagation_with_dropout"):
        _check_three_layer_dropout_forward(a)
    if a.ran("backward_propagation_with_dropout"):
        _check_three_layer_backward(a, "backward_propagation_with_dropout", keep_prob=COURSE_KEEP_PROB)


def _cases(fill):
    return [(describe(d, m), lambda c, d=d, m=m: fill(c, d, m)) for d, m in THREE_LAYER_CASES]


def _learner_dropout_forward(a, X, Y, parameters, dims, m, keep_prob, seed):
    """The learner's own dropout forward, its cache and masks, when its A3 is right for the masks
    drawn after the audit's seed or the notebook's own; else None."""
    if not a.ran("forward_propagation_with_dropout"):
        return None
    try:
        A3, cache = unpack("forward_propagation_with_dropout",
                           a.call("forward_propagation_with_dropout", X, parameters, keep_prob, seed=seed),
                           ("A3", "cache"))
        for s in (seed, COURSE_DROPOUT_SEED):
            masks = course_masks(dims, m, keep_prob, s)
            if same(np.asarray(A3, dtype=float), Net(X, Y, parameters, masks=masks, keep_prob=keep_prob).AL):
                return cache, masks
    except Exception:  # their forward failed: the project's cache is used instead
        pass
    return None


def _check_three_layer_dropout_forward(a):
    name = "forward_propagation_with_dropout"

    def fill(case, dims, m):
        X, Y, parameters = three_layer_case(a, dims, m)
        seed = int(a.rng.randint(2**31))
        A3 = unpack(name, a.call(name, X, parameters, COURSE_KEEP_PROB, seed=seed), ("A3", "cache"))[0]
        candidates = [course_masks(dims, m, COURSE_KEEP_PROB, s) for s in (seed, COURSE_DROPOUT_SEED)]
        nets = [Net(X, Y, parameters, masks=masks, keep_prob=COURSE_KEEP_PROB) for masks in candidates]
        comparisons = [compare("A3", A3, net.AL) for net in nets]
        best = next((c for c in comparisons if c.ok), comparisons[0])
        case.comparisons.append(best)
        if best.ok or best.error is None:
            return
        got = np.asarray(A3, float)
        for masks in candidates:
            for text, kwargs in (("it does not divide the kept activations by keep_prob",
                                  dict(masks=masks, keep_prob=1.0)),
                                 ("it applies no dropout", dict()),
                                 ("it keeps the units where rand >= keep_prob (the mask is inverted)",
                                  dict(masks=[1.0 - d for d in masks], keep_prob=COURSE_KEEP_PROB)),
                                 ("it applies D1 only (A2 is not dropped out)",
                                  dict(masks=[masks[0], np.ones_like(masks[1])], keep_prob=COURSE_KEEP_PROB)),
                                 # A mask scaled by keep_prob undoes that layer's division only.
                                 ("it does not divide A1 by keep_prob (A2 it does)",
                                  dict(masks=[masks[0] * COURSE_KEEP_PROB, masks[1]], keep_prob=COURSE_KEEP_PROB)),
                                 ("it does not divide A2 by keep_prob (A1 it does)",
                                  dict(masks=[masks[0], masks[1] * COURSE_KEEP_PROB], keep_prob=COURSE_KEEP_PROB))):
                if same(got, Net(X, Y, parameters, **kwargs).AL):
                    case.diagnosis = text
                    return
        case.diagnosis = ("its A3 matches no dropout masks drawn as the notebook draws them (D1 then D2, "
                          "each np.random.rand(*A.shape) < keep_prob, after the seed)")

    a.run_check(name, [(describe(d, m) + f", keep_prob {COURSE_KEEP_PROB}", lambda c, d=d, m=m: fill(c, d, m))
                       for d, m in THREE_LAYER_CASES])


def _check_three_layer_backward(a, name, lambd=None, keep_prob=None):
    def fill(case, dims, m):
        X, Y, parameters = three_layer_case(a, dims, m)
        if keep_prob is not None:
            seed = int(a.rng.randint(2**31))
            theirs = _learner_dropout_forward(a, X, Y, parameters, dims, m, keep_prob, seed)
            masks = theirs[1] if theirs else course_masks(dims, m, keep_prob, seed)
            net = Net(X, Y, parameters, masks=masks, keep_prob=keep_prob)
            cache = theirs[0] if theirs else course_cache(net, dropout=True)
            grads = a.call(name, X, Y, cache, keep_prob)
        else:
            net = Net(X, Y, parameters, lambd=lambd or 0.0)
            cache = _learner_forward_cache(a, X, parameters, net) or course_cache(net)
            grads = a.call(name, X, Y, cache, *(() if lambd is None else (lambd,)))
        grads = dict_of_arrays(name, grads, "gradients")
        rows, layer, diagnosis = judge_model_grads(_weights_and_biases(grads), net, name)
        case.comparisons.extend(rows.values())
        if layer is not None:
            case.diagnosis = diagnosis

    a.run_check(name, [(describe(d, m) + ("" if keep_prob is None else f", keep_prob {keep_prob}")
                        + ("" if lambd is None else f", lambd {lambd}"), lambda c, d=d, m=m: fill(c, d, m))
                       for d, m in THREE_LAYER_CASES])


def _learner_forward_cache(a, X, parameters, net):
    if not a.ran("forward_propagation", under="course2-regularization"):
        return None
    try:
        A3, cache = unpack("forward_propagation", a.call("forward_propagation", X, parameters), ("A3", "cache"))
        if same(np.asarray(A3, dtype=float), net.AL):
            return cache
    except Exception:  # their forward failed: the project's cache is used instead
        pass
    return None
