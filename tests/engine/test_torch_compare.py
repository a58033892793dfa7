"""Random expressions against torch autograd (float64): values and gradients to ~1e-10.

Skipped when torch is not installed. Each example draws up to three leaves with
mutually broadcastable shapes and composes a few random ops (every op of the
engine: + - * / with tensors and Python numbers, unary -, matmul, F.affine, relu, sigmoid, tanh,
log, exp, ** constant, sum/mean with axes and keepdims, .T, reshape), applied
step by step to both engines in parallel.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import autograd_mini.functional as F  # noqa: E402
from autograd_mini import Tensor  # noqa: E402
from tests.strategies import sum_axes  # noqa: E402


def _torch_reduce(kind, v, axis, keepdims):
    if axis is None:
        axis = tuple(range(v.dim()))
    if isinstance(axis, int):
        axis = (axis,)
    if len(axis) == 0:
        return v  # numpy's axis=() reduces nothing
    fn = torch.sum if kind == "sum" else torch.mean
    return fn(v, dim=tuple(axis), keepdim=keepdims)


UNARY = ["neg", "relu", "sigmoid", "tanh", "log", "exp", "pow", "sum", "mean", "T", "reshape", "rsub", "rdiv", "matmul", "affine"]
BINARY = ["add", "sub", "mul", "div"]


@st.composite
def expression_steps(draw, n_leaves):
    """A list of (op, operand indices, constants) that each refer to earlier pool entries."""
    steps = []
    pool_size = n_leaves
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(BINARY))
            args = (draw(st.integers(0, pool_size - 1)), draw(st.integers(0, pool_size - 1)))
        else:
            op = draw(st.sampled_from(UNARY))
            args = (draw(st.integers(0, pool_size - 1)),)
        steps.append((op, args, draw(st.data())))
        pool_size += 1
    return steps


def apply_op(op, values, consts_draw, ndim, lib):
    """Apply one step to engine Tensors (lib='am') or torch tensors (lib='torch')."""
    a = values[0]
    if op == "add":
        return a + values[1]
    if op == "sub":
        return a - values[1]
    if op == "mul":
        return a * values[1]
    if op == "div":  # keep the denominator away from 0
        b = values[1]
        return a / (b * b + 1.0)
    if op == "neg":
        return -a
    if op == "relu":
        return a.relu() if lib == "am" else torch.relu(a)
    if op == "sigmoid":
        return a.sigmoid() if lib == "am" else torch.sigmoid(a)
    if op == "tanh":
        return a.tanh() if lib == "am" else torch.tanh(a)
    if op == "log":  # positive argument
        inner = a * a + 0.5
        return inner.log() if lib == "am" else torch.log(inner)
    if op == "exp":
        return a.exp() if lib == "am" else torch.exp(a)
    if op == "pow":
        p = consts_draw["pow"]
        base = a if float(p).is_integer() and p >= 1 else a * a + 0.5
        return base**p
    if op in ("sum", "mean"):
        axis, keepdims = consts_draw["reduce"]
        if lib == "am":
            return a.sum(axis=axis, keepdims=keepdims) if op == "sum" else a.mean(axis=axis, keepdims=keepdims)
        return _torch_reduce(op, a, axis, keepdims)
    if op == "T":
        return a.T if lib == "am" else a.permute(tuple(reversed(range(a.dim()))))
    if op == "reshape":
        return a.reshape(-1)
    if op == "rsub":
        return consts_draw["c"] - a
    if op == "rdiv":
        return consts_draw["c"] / (a * a + 1.0)
    if op == "matmul":  # v @ v.T for 2-D, v @ v for 1-D
        if ndim == 2:
            return a @ (a.T if lib == "am" else a.t())
        return a @ a
    if op == "affine":  # F.affine(v, v.T, c) for 2-D v: the fused op against torch's v @ v.T + c
        if lib == "am":
            return F.affine(a, a.T, consts_draw["c"])
        return a @ a.t() + consts_draw["c"]
    raise AssertionError(op)


@settings(max_examples=40)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
    n_leaves=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_random_expressions_match_torch(shapes, n_leaves, seed, data):
    rs = np.random.RandomState(seed)
    arrays = [rs.uniform(-2, 2, size=s) for s in shapes.input_shapes[:n_leaves]]
    requires = [True] + [bool(rs.randint(2)) for _ in arrays[1:]]
    ours = [Tensor(a.copy(), requires_grad=r) for a, r in zip(arrays, requires)]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=r) for a, r in zip(arrays, requires)]

    steps = data.draw(expression_steps(n_leaves), label="steps")
    pool_ours, pool_theirs = list(ours), list(theirs)
    log = []
    for op, args, step_data in steps:
        operands_ours = [pool_ours[i] for i in args]
        shape_list = [tuple(t.shape) for t in operands_ours]
        ndim = len(shape_list[0])
        if op in BINARY:
            try:
                np.broadcast_shapes(*shape_list)
            except ValueError:
                op, args = "neg", args[:1]
                operands_ours = operands_ours[:1]
        if op == "matmul" and ndim not in (1, 2):
            op = "sigmoid"
        if op == "affine" and ndim != 2:
            op = "exp"
        consts = {
            "pow": step_data.draw(st.sampled_from([1, 2, 3, 0.5, -1, 1.5]), label="p"),
            "reduce": step_data.draw(st.tuples(sum_axes(ndim), st.booleans()), label="axis, keepdims"),
            "c": step_data.draw(st.sampled_from([2, -1.5, 0.25, 3.0]), label="c"),
        }
        log.append((op, args))
        out_ours = apply_op(op, operands_ours, consts, ndim, "am")
        out_theirs = apply_op(op, [pool_theirs[i] for i in args], consts, ndim, "torch")
        pool_ours.append(out_ours)
        pool_theirs.append(out_theirs)

    final_ours, final_theirs = pool_ours[-1], pool_theirs[-1]
    expected = final_theirs.detach().numpy()
    assume(np.all(np.isfinite(expected)) and np.max(np.abs(expected), initial=0) < 1e50)
    assume(final_theirs.requires_grad)
    assert final_ours.shape == tuple(final_theirs.shape), log
    scale = 1.0 + np.max(np.abs(expected), initial=0)
    np.testing.assert_allclose(final_ours.data, expected, rtol=1e-10, atol=1e-10 * scale, err_msg=str(log))

    G = rs.standard_normal(final_ours.shape)
    final_ours.backward(G)
    final_theirs.backward(torch.tensor(G, dtype=torch.float64))
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if not t.requires_grad:
            assert o.grad is None
            continue
        reference = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
        assume(np.all(np.isfinite(reference)))
        got = o.grad if o.grad is not None else np.zeros(o.shape)
        gscale = 1.0 + np.max(np.abs(reference), initial=0)
        np.testing.assert_allclose(got, reference, rtol=1e-10, atol=1e-10 * gscale, err_msg=f"leaf {i}: {log}")


@settings(max_examples=20)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.sampled_from([1.0, 100.0, 1e4]))
def test_logits_cost_matches_torch(m, seed, scale):
    rs = np.random.RandomState(seed)
    Z = rs.standard_normal((1, m)) * scale
    Y = (rs.uniform(size=(1, m)) > 0.5).astype(np.float64)
    z = Tensor(Z, requires_grad=True)
    cost = F.binary_cross_entropy_with_logits(z, Y)
    cost.backward()
    zt = torch.tensor(Z, requires_grad=True)
    ct = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(Y), reduction="sum") / m
    ct.backward()
    np.testing.assert_allclose(cost.item(), ct.item(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_two_layer_network_matches_torch():
    rs = np.random.RandomState(3)
    W1, b1, W2, b2 = rs.randn(4, 3), rs.randn(4, 1), rs.randn(1, 4), rs.randn(1, 1)
    X, Y = rs.randn(3, 7), (rs.uniform(size=(1, 7)) > 0.5).astype(float)
    params = [Tensor(p.copy(), requires_grad=True) for p in (W1, b1, W2, b2)]
    P = (params[2] @ (params[0] @ Tensor(X) + params[1]).relu() + params[3]).sigmoid()
    cost = F.binary_cross_entropy(P, Y)
    cost.backward()
    tp = [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    Pt = torch.sigmoid(tp[2] @ torch.relu(tp[0] @ torch.tensor(X) + tp[1]) + tp[3])
    Yt = torch.tensor(Y)
    ct = -(Yt * torch.log(Pt) + (1 - Yt) * torch.log(1 - Pt)).sum() / 7
    ct.backward()
    np.testing.assert_allclose(cost.item(), ct.item(), rtol=1e-12)
    for ours, theirs in zip(params, tp):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-14)
