"""Second derivatives against torch's double backward (float64). Skipped without torch.

Random expressions over every op (the generator of ``test_torch_compare.py``)
and the classifier's two costs: the gradient of ``<grad f, V>`` with respect to
every leaf, i.e. a Hessian-vector product, from both engines.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import autograd_mini.functional as F  # noqa: E402
from autograd_mini import Tensor, grad, hvp  # noqa: E402
from tests.strategies import sum_axes  # noqa: E402
from tests.engine.test_torch_compare import BINARY, apply_op, expression_steps  # noqa: E402


def _torch_second(final, leaves, G, V):
    (firsts) = torch.autograd.grad(final, leaves, grad_outputs=torch.tensor(G), create_graph=True, allow_unused=True)
    total = sum((f * torch.tensor(v)).sum() for f, v in zip(firsts, V) if f is not None and f.requires_grad)
    if not torch.is_tensor(total):
        return [None] * len(leaves), firsts
    return torch.autograd.grad(total, leaves, allow_unused=True), firsts


@settings(max_examples=30)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
    n_leaves=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_random_expressions_double_backward_matches_torch(shapes, n_leaves, seed, data):
    rs = np.random.RandomState(seed)
    arrays = [rs.uniform(-2, 2, size=s) for s in shapes.input_shapes[:n_leaves]]
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    steps = data.draw(expression_steps(n_leaves), label="steps")
    pool_ours, pool_theirs, log = list(ours), list(theirs), []
    for op, args, step_data in steps:
        operands = [pool_ours[i] for i in args]
        ndim = operands[0].ndim
        if op in BINARY:
            try:
                np.broadcast_shapes(*[t.shape for t in operands])
            except ValueError:
                op, args = "neg", args[:1]
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
        pool_ours.append(apply_op(op, [pool_ours[i] for i in args], consts, ndim, "am"))
        pool_theirs.append(apply_op(op, [pool_theirs[i] for i in args], consts, ndim, "torch"))
    final_ours, final_theirs = pool_ours[-1], pool_theirs[-1]
    expected = final_theirs.detach().numpy()
    assume(np.all(np.isfinite(expected)) and np.max(np.abs(expected), initial=0) < 1e6)
    assume(final_theirs.requires_grad)

    G = rs.standard_normal(final_ours.shape)
    V = [rs.standard_normal(a.shape) for a in arrays]
    second_theirs, first_theirs = _torch_second(final_theirs, theirs, G, V)
    reference_first = [np.zeros(a.shape) if f is None else f.detach().numpy() for f, a in zip(first_theirs, arrays)]
    reference = [np.zeros(a.shape) if s is None else s.numpy() for s, a in zip(second_theirs, arrays)]
    assume(all(np.all(np.isfinite(r)) and np.max(np.abs(r), initial=0) < 1e6 for r in reference + reference_first))

    firsts = grad(final_ours, ours, grad_outputs=G, create_graph=True, allow_unused=True)
    total = None
    for f, v in zip(firsts, V):
        if f is not None:
            term = (f * Tensor(v)).sum()
            total = term if total is None else total + term
    if total is None or not total.requires_grad:
        seconds = [None] * len(ours)
    else:
        seconds = grad(total, ours, allow_unused=True)
    for i, (f, s) in enumerate(zip(firsts, seconds)):
        got_f = np.zeros(arrays[i].shape) if f is None else f.data
        got_s = np.zeros(arrays[i].shape) if s is None else s.data
        np.testing.assert_allclose(got_f, reference_first[i], rtol=1e-9, atol=1e-9 * (1 + np.abs(reference_first[i]).max(initial=0)), err_msg=f"first, leaf {i}: {log}")
        np.testing.assert_allclose(got_s, reference[i], rtol=1e-9, atol=1e-9 * (1 + np.abs(reference[i]).max(initial=0)), err_msg=f"second, leaf {i}: {log}")


@pytest.mark.parametrize("cost", ["stable", "faithful"])
def test_network_hvp_matches_torch(cost):
    """The tutorial's architecture in miniature: HVP of the cost in all four parameters at once."""
    rs = np.random.RandomState(7)
    params0 = [rs.randn(4, 3), rs.randn(4, 1) * 0.1, rs.randn(1, 4), rs.randn(1, 1) * 0.1]
    X, Y = rs.randn(3, 9), (rs.uniform(size=(1, 9)) > 0.5).astype(float)
    V = [rs.randn(*p.shape) for p in params0]

    def ours(W1, b1, W2, b2):
        Z2 = F.affine(W2, F.affine(W1, X, b1).relu(), b2)
        if cost == "stable":
            return F.binary_cross_entropy_with_logits(Z2, Y)
        return F.binary_cross_entropy(Z2.sigmoid(), Y)

    value, products = hvp(ours, params0, V)

    tp = [torch.tensor(p, requires_grad=True) for p in params0]
    Z2 = tp[2] @ torch.relu(tp[0] @ torch.tensor(X) + tp[1]) + tp[3]
    ct = torch.nn.functional.binary_cross_entropy_with_logits(Z2, torch.tensor(Y), reduction="sum") / 9
    firsts = torch.autograd.grad(ct, tp, create_graph=True)
    theirs = torch.autograd.grad(sum((f * torch.tensor(v)).sum() for f, v in zip(firsts, V)), tp)
    np.testing.assert_allclose(value.item(), ct.item(), rtol=1e-12)
    for p, t in zip(products, theirs):
        np.testing.assert_allclose(p.data, t.numpy(), rtol=1e-9, atol=1e-12)
