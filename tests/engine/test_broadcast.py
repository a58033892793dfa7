"""sum_to_shape on its own: the adjoint of numpy broadcasting."""
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_mini import Tensor, sum_to_shape
from autograd_mini.broadcast import sum_to_shape as sum_to_shape_direct


@st.composite
def small_and_big_shapes(draw):
    """A shape ``s`` and a shape ``B`` that ``s`` broadcasts to (prepended and stretched axes)."""
    small = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    prepended = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    stretched = tuple(draw(st.integers(1, 3)) if side == 1 else side for side in small)
    big = prepended + stretched
    assert np.broadcast_shapes(small, big) == big
    return small, big


def finite(shape, seed_strategy=st.integers(0, 2**32 - 1)):
    return seed_strategy.map(lambda seed: np.random.RandomState(seed).standard_normal(shape))


def loop_reference(G: np.ndarray, small: tuple) -> np.ndarray:
    """Sum every element of G into the element of ``small`` that broadcasting read it from."""
    out = np.zeros(small)
    extra = G.ndim - len(small)
    for index in itertools.product(*(range(n) for n in G.shape)):
        source = tuple(0 if side == 1 else index[extra + k] for k, side in enumerate(small))
        out[source] += G[index]
    return out


def test_exported_from_package():
    assert sum_to_shape is sum_to_shape_direct


@given(small_and_big_shapes())
def test_ones_sum_to_the_broadcast_ratio(shapes):
    small, big = shapes
    result = sum_to_shape(np.ones(big), small)
    assert result.shape == small
    ratio = np.prod(big, dtype=np.int64) / np.prod(small, dtype=np.int64)
    np.testing.assert_array_equal(result, ratio * np.ones(small))


@given(small_and_big_shapes(), st.data())
def test_adjoint_of_broadcast_to(shapes, data):
    """<sum_to_shape(G, s), v> == <G, broadcast_to(v, B)> for random G and v."""
    small, big = shapes
    G = data.draw(finite(big), label="G")
    v = data.draw(finite(small), label="v")
    left = np.sum(sum_to_shape(G, small) * v)
    right = np.sum(G * np.broadcast_to(v, big))
    np.testing.assert_allclose(left, right, rtol=1e-12, atol=1e-12)


@given(small_and_big_shapes(), st.data())
def test_matches_elementwise_loop_reference(shapes, data):
    small, big = shapes
    G = data.draw(finite(big), label="G")
    before = G.copy()
    result = sum_to_shape(G, small)
    assert result.shape == small
    np.testing.assert_allclose(result, loop_reference(G, small), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(G, before)  # the input is not modified


@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3), st.sampled_from([np.float32, np.float64]))
def test_same_shape_is_identity_and_keeps_dtype(shape, dtype):
    G = np.arange(np.prod(shape, dtype=np.int64), dtype=dtype).reshape(shape)
    result = sum_to_shape(G, shape)
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, G)


@given(small_and_big_shapes())
def test_float32_stays_float32(shapes):
    small, big = shapes
    assert sum_to_shape(np.ones(big, dtype=np.float32), small).dtype == np.float32


@pytest.mark.parametrize(
    "big, small",
    [((2, 3), (4,)), ((2, 3), (2,)), ((3,), (2, 3)), ((2, 3), (3, 3)), ((1, 3), (2, 3))],
)
def test_shapes_that_do_not_broadcast_are_rejected(big, small):
    with pytest.raises(ValueError):
        sum_to_shape(np.ones(big), small)


def test_list_shape_accepted():
    np.testing.assert_array_equal(sum_to_shape(np.ones((2, 3)), [1, 3]), [[2.0, 2.0, 2.0]])


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_engine_unbroadcasts_add_gradients(shape_pair):
    """Through the engine: d sum(a + b)/da counts how often each element of a was read."""
    sa, sb = shape_pair.input_shapes
    a = Tensor(np.zeros(sa), requires_grad=True)
    b = Tensor(np.zeros(sb), requires_grad=True)
    out = a + b
    assert out.shape == shape_pair.result_shape
    out.sum().backward()
    size = np.prod(shape_pair.result_shape, dtype=np.int64)
    np.testing.assert_array_equal(a.grad, np.full(sa, size / np.prod(sa, dtype=np.int64)))
    np.testing.assert_array_equal(b.grad, np.full(sb, size / np.prod(sb, dtype=np.int64)))
