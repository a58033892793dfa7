"""autograd_mini.compile: the generated step computes what eager mode and Replay compute, bit for bit.

Every op alone (through the op factory of tests/strategies.py), random
expressions with fan-out and broadcasting, float64 and float32. ``.source``
run on its own, in a namespace holding only numpy, agrees to 1e-12. The
leaf checks, the bad-input errors and anomaly mode are Replay's.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import autograd_mini.functional as F
from autograd_mini import AnomalyError, CompileError, Op, Replay, ReplayError, Tensor, apply, detect_anomaly
from tests.strategies import OP_SPECS, grad_cases


def _run_three_ways(fn, leaves):
    """(value, grads) by eager mode, by Replay and by the compiled step, each from fresh .grad."""
    results = []
    eager = fn()
    eager.backward()
    results.append((np.array(eager.data), [t.grad for t in leaves]))
    for t in leaves:
        t.grad = None
    for runner in (Replay(fn), am.compile(fn)):
        value = runner.forward()
        runner.backward()
        results.append((np.array(value), [t.grad for t in leaves]))
        for t in leaves:
            t.grad = None
    return results


def _assert_identical(results, what):
    (value, grads), rest = results[0], results[1:]
    for k, (other_value, other_grads) in enumerate(rest):
        who = ("replay", "compiled")[k]
        assert other_value.dtype == value.dtype and other_value.shape == value.shape, (what, who)
        np.testing.assert_array_equal(other_value, value, err_msg=f"{what}: {who} value")
        for i, (g, h) in enumerate(zip(grads, other_grads)):
            assert (g is None) == (h is None), (what, who, i)
            if g is not None:
                assert h.dtype == g.dtype and h.shape == g.shape, (what, who, i)
                np.testing.assert_array_equal(h, g, err_msg=f"{what}: {who} gradient {i}")


def _source_alone(compiled, leaves):
    """Run ``.source`` in a namespace that holds numpy and nothing else of this project."""
    namespace = {"np": np}
    exec(compiled.source, namespace)  # noqa: S102 - the code under test
    assert set(namespace) == {"np", "step", "__builtins__"}
    return namespace["step"](*[t.data for t in compiled.leaf_tensors])


def _case_leaves(case, dtype):
    operands = []
    for value, requires in zip(case.operands, case.requires_grad):
        if isinstance(value, np.ndarray):
            operands.append(Tensor(value.astype(dtype), requires_grad=requires))
        else:
            operands.append(float(value))
    return operands


@pytest.mark.parametrize("op_name", sorted(OP_SPECS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=12)
@given(data=st.data())
def test_every_op_alone_compiled_equals_replay_and_eager(op_name, dtype, data):
    case = data.draw(grad_cases(OP_SPECS[op_name]), label="case")
    operands = _case_leaves(case, dtype)
    upstream = Tensor(case.upstream.astype(dtype), name="U")
    leaves = [o for o in operands if isinstance(o, Tensor)]

    def fn():
        return (OP_SPECS[op_name].call(operands, case.param) * upstream).sum()

    with np.errstate(all="ignore"):
        _assert_identical(_run_three_ways(fn, leaves), op_name)
        compiled = am.compile(fn)
        value, grads = _source_alone(compiled, leaves)
        np.testing.assert_allclose(value, fn().data, rtol=1e-12 if dtype == np.float64 else 1e-6)
    eager = fn()
    eager.backward()
    for t in leaves:
        if t.requires_grad:
            name = "d" + compiled.names[id(t)]
            tol = 1e-12 if dtype == np.float64 else 1e-5
            np.testing.assert_allclose(grads[name], t.grad, rtol=tol, atol=tol)


# --------------------------------------------------------------------------- random expressions

UNARY = ["sigmoid", "tanh", "relu", "neg", "square", "exp_tanh", "log_sigmoid", "T2"]
BINARY = ["add", "sub", "mul", "div"]


def _unary(kind, x):
    if kind == "sigmoid":
        return x.sigmoid()
    if kind == "tanh":
        return x.tanh()
    if kind == "relu":
        return x.relu()
    if kind == "neg":
        return -x
    if kind == "square":
        return x**2
    if kind == "exp_tanh":
        return x.tanh().exp()
    if kind == "log_sigmoid":
        return x.sigmoid().log()
    return x.T.T  # two transposes: a view of a view


def _binary(kind, a, b):
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    return a / (b * b + 1.0)


steps = st.lists(
    st.one_of(
        st.tuples(st.just("u"), st.sampled_from(UNARY), st.integers(0, 50), st.integers(0, 0)),
        st.tuples(st.just("b"), st.sampled_from(BINARY), st.integers(0, 50), st.integers(0, 50)),
        st.tuples(st.just("m"), st.just("affine"), st.integers(0, 50), st.integers(0, 50)),
    ),
    min_size=1, max_size=12,
)


@settings(max_examples=40)
@given(program=steps, seed=st.integers(0, 2**16), dtype=st.sampled_from([np.float64, np.float32]),
       faithful=st.booleans())
def test_random_expressions_compiled_equal_replay_and_eager(program, seed, dtype, faithful):
    rng = np.random.RandomState(seed)
    W = Tensor(rng.randn(3, 3).astype(dtype), requires_grad=True, name="W")
    a = Tensor(rng.randn(3, 4).astype(dtype), requires_grad=True, name="a")
    b = Tensor(rng.randn(4).astype(dtype), requires_grad=True, name="b")  # broadcast along rows
    c = Tensor(rng.randn(3, 1).astype(dtype), requires_grad=True)  # broadcast along columns, unnamed
    X = Tensor(rng.randn(3, 4).astype(dtype), name="X")  # data: no gradient
    Y = Tensor((rng.rand(1, 4) > 0.5).astype(dtype), name="Y")
    leaves = [W, a, b, c]

    def fn():
        pool = [a, a * b, c + X, a - c]
        for kind, name, i, j in program:
            x, y = pool[i % len(pool)], pool[j % len(pool)]
            if kind == "u":
                pool.append(_unary(name, x))
            elif kind == "b":
                pool.append(_binary(name, x, y))
            else:
                pool.append(F.affine(W, x, c))
        z = pool[-1].sum(axis=0, keepdims=True) + pool[len(pool) // 2].mean(axis=0)
        penalty = F.sum_of_squares(W, c) * 1e-3
        if faithful:
            cost = F.binary_cross_entropy(z.sigmoid(), Y)
        else:
            cost = F.binary_cross_entropy_with_logits(z, Y)
        return cost + penalty

    with np.errstate(all="ignore"):
        _assert_identical(_run_three_ways(fn, leaves), "expression")
        compiled = am.compile(fn)
        value, grads = _source_alone(compiled, leaves)
        eager = fn()
        eager.backward()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(value, eager.data, rtol=tol, atol=tol)
    for t in leaves:
        if t.grad is None:  # not used by this expression
            assert id(t) not in compiled.names
            continue
        np.testing.assert_allclose(grads["d" + compiled.names[id(t)]], t.grad, rtol=tol, atol=tol)


# --------------------------------------------------------------------------- contract


def _small_graph():
    rng = np.random.RandomState(1)
    W = Tensor(rng.randn(2, 3), requires_grad=True, name="W")
    b = Tensor(np.zeros((2, 1)), requires_grad=True, name="b")
    X = Tensor(rng.randn(3, 5), name="X")
    return W, b, X, lambda: (F.affine(W, X, b).relu() * 0.5).sum()


def test_names_the_tensors_and_writes_the_unbroadcast_sum():
    W, b, X, fn = _small_graph()
    source = am.compile(fn).source
    assert source.startswith("def step(W, b, X):")
    assert "b.sum" not in source and ".sum(axis=1, keepdims=True)" in source
    assert '"dW": dW' in source and '"db": db' in source
    assert "import" not in source


def test_accumulates_into_grad_and_uses_the_leaves_current_data():
    W, b, X, fn = _small_graph()
    compiled, replay = am.compile(fn), Replay(fn)
    for runner in (replay, compiled):
        for step in range(3):
            X.data = np.random.RandomState(step).randn(3, 5)
            runner.forward()
            runner.backward()
    # Replay accumulated three passes and the compiled step three more: together, twice Replay's.
    expected = Replay(fn)
    W.grad = b.grad = None
    for step in range(3):
        X.data = np.random.RandomState(step).randn(3, 5)
        expected.forward()
        expected.backward()
    once = W.grad.copy()
    W.grad = None
    for step in range(3):
        X.data = np.random.RandomState(step).randn(3, 5)
        compiled.forward()
        compiled.backward()
    np.testing.assert_array_equal(W.grad, once)


def test_retained_gradients_are_stored_as_replay_stores_them():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    kept = {}

    def fn():
        kept["h"] = (x * 3.0).retain_grad()
        return (kept["h"] * kept["h"]).sum()

    compiled = am.compile(fn)
    compiled.forward()
    compiled.backward()
    np.testing.assert_array_equal(x.grad, 18 * x.data)
    np.testing.assert_array_equal(kept["h"].grad, 6 * x.data)


def test_a_leaf_whose_shape_or_dtype_changed_raises_as_replay_does():
    W, b, X, fn = _small_graph()
    compiled, replay = am.compile(fn), Replay(fn)
    for data, pattern in ((np.ones((3, 6)), r"a leaf traced as \(3, 5\) float64 now holds \(3, 6\) float64"),
                          (np.ones((3, 5), dtype=np.float32), r"now holds \(3, 5\) float32")):
        X.data = data
        for runner in (replay, compiled):
            with pytest.raises(ReplayError, match=pattern):
                runner.forward()


def test_backward_needs_a_forward_first():
    W, b, X, fn = _small_graph()
    compiled = am.compile(fn)
    with pytest.raises(RuntimeError, match="forward"):
        compiled.backward()


def test_bad_functions_are_refused_clearly():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(CompileError, match="one-element Tensor, got float"):
        am.compile(lambda: 3.0)
    with pytest.raises(CompileError, match=r"one-element Tensor \(a cost\), got one of shape \(3,\)"):
        am.compile(lambda: x * 2.0)

    class Cube(Op):
        """y = x ** 3 with no code: replayable, not compilable."""

        name = "Cube"

        def forward(self, a):
            self.a = a
            return a**3

        def backward(self, g):
            return (3 * g * self.a**2,)

    with pytest.raises(CompileError, match="Cube has no code"):
        am.compile(lambda: apply(Cube(), x).sum())
    Replay(lambda: apply(Cube(), x).sum()).forward()  # what fit falls back to


def _anomaly_messages(fn, backward: bool) -> list:
    messages = []
    with np.errstate(all="ignore"):
        runners = (Replay(fn), am.compile(fn))
    for runner in runners:
        with np.errstate(all="ignore"), detect_anomaly():
            with pytest.raises(AnomalyError) as error:
                runner.forward()
                if backward:
                    runner.backward()
        messages.append(str(error.value))
    return messages


def test_anomaly_mode_raises_the_errors_replay_raises():
    x = Tensor(np.array([2.0, 3.0]), requires_grad=True, name="x")
    forward = _anomaly_messages(lambda: (x - 2.5).log().sum(), backward=False)
    assert forward[0] == forward[1] and "Log produced NaN in the forward pass" in forward[0]
    y = Tensor(np.array([0.0, 2.0]), requires_grad=True, name="y")
    # sqrt is finite at 0, its derivative is not: caught in the backward pass, at the same op.
    backward = _anomaly_messages(lambda: (y**0.5).sum(), backward=True)
    assert backward[0] == backward[1] and "backward pass of Pow(0.5) produced an infinity" in backward[0]
    with np.errstate(all="ignore"), detect_anomaly():
        for runner in (Replay(lambda: (y * 3.0).sum()), am.compile(lambda: (y * 3.0).sum())):
            runner.forward()
            runner.backward()  # finite: no error, and the gradients arrive (accumulated twice)
    np.testing.assert_array_equal(y.grad, 6 * np.ones(2))


def test_tensor_names_become_identifiers_never_code():
    hostile = 'x); __import__("os").system("echo owned"); (y'
    w = Tensor(np.ones(2), requires_grad=True, name=hostile)
    v = Tensor(np.ones(2), requires_grad=True, name="1 + 2")
    u = Tensor(np.ones(2), requires_grad=True, name="np")  # would shadow numpy in the code
    compiled = am.compile(lambda: (w * v * u).sum())
    assert 'system("' not in compiled.source and '("os")' not in compiled.source
    args = compiled.source.split("(", 1)[1].split(")", 1)[0].split(", ")
    assert all(a.isidentifier() for a in args) and "np" not in args
    compiled.forward()
    compiled.backward()
    np.testing.assert_array_equal(w.grad, np.ones(2))
