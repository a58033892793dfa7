"""F.sum_of_squares: one op for an L2 penalty, equal to the sum written term by term."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini.functional as F
from autograd_mini import Tensor, grad, gradcheck, hvp


def tensors(seed, shapes):
    rng = np.random.RandomState(seed)
    return [Tensor(rng.randn(*s), requires_grad=True) for s in shapes]


SHAPES = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4)


@settings(max_examples=20)
@given(seed=st.integers(0, 10**6), shapes=SHAPES, with_start=st.booleans())
def test_value_and_gradients_equal_the_term_by_term_sum_to_the_last_bit(seed, shapes, with_start):
    fused_inputs, plain_inputs = tensors(seed, shapes), tensors(seed, shapes)
    start = [Tensor(np.array(1.25), requires_grad=True) for _ in range(2)]
    fused = F.sum_of_squares(*fused_inputs, start=start[0] if with_start else None)
    plain = start[1] if with_start else None
    for t in plain_inputs:
        term = (t * t).sum()
        plain = term if plain is None else plain + term
    assert fused.shape == () and fused.item() == plain.item()
    (fused * 0.37).backward()
    (plain * 0.37).backward()
    for a, b in zip(fused_inputs, plain_inputs):
        np.testing.assert_array_equal(a.grad, b.grad)
    if with_start:
        assert start[0].grad == start[1].grad == pytest.approx(0.37, rel=0, abs=0)


def test_gradients_match_central_differences():
    ws = tensors(3, [(3, 2), (1, 3), (2, 2)])
    assert gradcheck(lambda a, b, c: F.sum_of_squares(a, b, c) * 0.5, ws)


def test_second_derivatives():
    x = np.array([0.3, -1.2, 2.0])
    v = np.array([1.0, 0.5, -2.0])
    # The Hessian of sum(x^2) + sum(exp(x)) is diag(2 + exp(x)).
    _, Hv = hvp(lambda t: F.sum_of_squares(t) + t.exp().sum(), x, v)
    np.testing.assert_allclose(Hv.data, (2 + np.exp(x)) * v, rtol=1e-12)
    t = Tensor(x, requires_grad=True)
    (g,) = grad(F.sum_of_squares(t, start=Tensor(np.array(3.0))), t, create_graph=True)
    np.testing.assert_allclose(g.data, 2 * x, rtol=1e-15)
    (h,) = grad((g * g).sum(), t)  # d/dx sum((2x)^2) = 8x
    np.testing.assert_allclose(h.data, 8 * x, rtol=1e-15)


def test_clear_errors():
    with pytest.raises(ValueError, match="at least one"):
        F.sum_of_squares()
    with pytest.raises(ValueError, match="scalar"):
        F.sum_of_squares(Tensor(np.ones(2)), start=Tensor(np.ones(3)))
