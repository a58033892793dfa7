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
from .diagnose import compare, same
from .post import check_model_backward, check_updates, describe, dropout_masks
from .reference import Net

__all__ = ["check_course2"]

LAMBD = 0.7
KEEP_PROB = 0.75


def check_course2(a) -> None:
    """Add the checks of every course-2 function the learner defines to auditor ``a``."""
    _check_regularised_cost(a)
    check_model_backward(a, "L_model_backward_with_regularization", lambd=LAMBD)
    _check_dropout_forward(a)
    check_model_backward(a, "L_model_backward_with_dropout", keep_prob=KEEP_PROB)
    check_updates(a, "update_parameters_with_gd")
    _check_zeros_like_parameters(a, "initialize_velocity", 1)
    _check_zeros_like_parameters(a, "initialize_adam", 2)
    _check_momentum(a)
    _check_adam(a)
    _check_mini_batches(a)
    _check_decay(a)


def _penalty(parameters):
    return sum(float(np.sum(parameters[f"W{l}"] ** 2)) for l in range(1, len(parameters) // 2 + 1))


def _check_regularised_cost(a):
    name = "compute_cost_with_regularization"
    if not a.ran(name):
        return

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

    a.run_check(name, [(f"layers {d}, {m} examples, lambd {LAMBD}", lambda c, d=d, m=m: fill(c, d, m))
                       for d, m in (([2, 1], 1), ([3, 2, 1], 4), ([4, 3, 2, 1], 6))])


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
        new_p, new_v, new_s = (dict_of_arrays(name, part, "arrays")
                               for part in unpack(name, result, ("parameters", "v", "s")))
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
            missing = sorted(set(range(m)) - set(order))
            raise Malformed(f"{name}'s batches are not a partition of the columns: "
                             + (f"column(s) {missing[:5]} missing" if missing else "some columns repeated"))
        if sizes != expected_sizes:
            raise Malformed(f"{name} made batches of sizes {sizes}, expected {expected_sizes} "
                             f"(full batches of {size}, then the rest)")
        if m > 3 and order == list(range(m)):
            raise Malformed(f"{name} does not shuffle: the columns come out in their original order")

    a.run_check(name, [(f"m={m}, mini_batch_size={k}", lambda c, m=m, k=k: fill(c, m, k, 3))
                       for m, k in ((1, 1), (8, 4), (10, 4), (5, 64), (7, 1))])


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
