"""The Tensor type, backward() semantics, no_grad and error messages."""
import gc
import sys
import weakref

import numpy as np
import pytest

import autograd_mini
from autograd_mini import GraphReleasedError, Tensor, is_grad_enabled, no_grad, ops

# ----------------------------------------------------------------- construction


def test_float_arrays_keep_dtype_and_memory():
    for dtype in (np.float32, np.float64):
        array = np.array([[1.0, 2.0]], dtype=dtype)
        t = Tensor(array, requires_grad=True)
        assert t.dtype == dtype
        assert t.data.dtype == dtype
        assert np.shares_memory(t.data, array)


@pytest.mark.parametrize(
    "data", [3, 2.5, True, [1, 2, 3], np.array([1, 2], dtype=np.int32), np.arange(4, dtype=np.uint8), np.array([True, False])]
)
def test_numbers_and_integer_arrays_become_float64(data):
    t = Tensor(data, requires_grad=True)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize(
    "data",
    [
        np.array(["a", "b"]),
        "abc",
        np.array([1.0, None], dtype=object),
        np.array([object()], dtype=object),
        np.array([1 + 2j]),
        1 + 2j,
    ],
)
def test_requires_grad_on_non_numeric_data_raises_type_error(data):
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(data, requires_grad=True)


def test_attributes_item_numpy_detach():
    array = np.arange(6.0).reshape(2, 3)
    t = Tensor(array, requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64
    assert t.grad is None and t.requires_grad is True and t.op is None
    assert t.numpy() is t.data
    assert Tensor(4.5).item() == 4.5 and isinstance(Tensor(4.5).item(), float)
    assert Tensor([[7.0]]).item() == 7.0
    with pytest.raises(ValueError):
        t.item()

    y = t * 2
    d = y.detach()
    assert d.requires_grad is False and d.op is None and d.grad is None
    assert np.shares_memory(d.data, y.data)
    (d * 3)  # no graph: nothing leads back to t
    assert (d * 3).op is None
    assert Tensor(np.zeros(3)).requires_grad is False


def test_repr_shows_shape_dtype_and_op():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    text = repr(x.sigmoid())
    assert "(2, 3)" in text and "float32" in text and "Sigmoid" in text
    text = repr(x.sum(axis=1))
    assert "(2,)" in text and "Sum" in text
    assert "MatMul" in repr(x @ x.T) and "(2, 2)" in repr(x @ x.T)


# ----------------------------------------------------------------- backward basics


def test_scalar_backward_defaults_to_one():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_non_scalar_backward_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"\(2,\).*gradient|gradient.*\(2,\)"):
        y.backward()
    assert x.grad is None


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 1)), np.ones(()), [1.0, 2.0, 3.0]])
def test_gradient_of_the_wrong_shape_is_rejected(bad):
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape"):
        (x * 2).backward(bad)


def test_backward_on_tensor_without_grad_raises():
    for t in (Tensor(3.0), Tensor([1.0]) * 2):
        with pytest.raises(RuntimeError, match="does not require grad"):
            t.backward()


def test_chain_of_ten_thousand_ops():
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    y = x
    for i in range(5000):
        y = y * 1.0001
        y = y + 0.5
    y.backward(np.ones(2))
    np.testing.assert_allclose(x.grad, [1.0001**5000] * 2, rtol=1e-10)
    del y
    gc.collect()


def test_chain_under_a_low_recursion_limit():
    """No recursion anywhere in backward: a 3,000-op chain works with only ~100 frames to spare."""
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y + 1.0
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(old)
    assert x.grad == 1.0


def test_diamond_x_plus_x_times_x():
    x = Tensor([1.5, -2.0], requires_grad=True)
    ((x + x) * x).sum().backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)


def test_doubling_twice_gives_four():
    a = Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_reused_intermediate_gets_summed_gradient():
    x = Tensor([0.5, 1.5], requires_grad=True)
    y = x * 2.0  # y is used three times
    z = y * y + y.exp() - y
    z.sum().backward()
    yv = 2 * x.data
    np.testing.assert_allclose(x.grad, (2 * yv + np.exp(yv) - 1) * 2)


def test_order_of_inputs_matters():
    a = Tensor(5.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    (a - b).backward()
    assert (a.grad, b.grad) == (1.0, -1.0)
    a.grad = b.grad = None
    (a / b).backward()
    assert a.grad == 0.5 and b.grad == -5.0 / 4


def test_gradients_accumulate_and_reset():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 4 * x.data)
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_leaves_never_share_gradient_memory():
    x = Tensor(np.zeros(3), requires_grad=True)
    y = Tensor(np.zeros(3), requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad, y.grad)
    x.grad[0] = 100.0
    np.testing.assert_array_equal(y.grad, [1.0, 1.0, 1.0])


def test_leaf_gradient_does_not_alias_the_given_gradient_array():
    x = Tensor(np.zeros(3), requires_grad=True)
    y = Tensor(np.zeros(3), requires_grad=True)
    g = np.array([1.0, 2.0, 3.0])
    (x + y).backward(g)
    for grad in (x.grad, y.grad):
        assert not np.shares_memory(grad, g)
    g[:] = 0
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])
    # A leaf as the root.
    x.grad = None
    x.backward(g)
    assert not np.shares_memory(x.grad, g)


def test_leaf_gradient_does_not_alias_a_tensor_given_as_gradient():
    x = Tensor(np.zeros(3), requires_grad=True)
    G = Tensor(np.ones(3))
    (x + 1.0).backward(G)
    assert not np.shares_memory(x.grad, G.data)


def test_gradient_given_as_tensor_or_list():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(Tensor([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])
    x.grad = None
    (x * 3).backward([1, 1])
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_retain_grad_on_non_leaf():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    other = x * 5  # not retained
    (h * h + other).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)
    np.testing.assert_allclose(x.grad, 2 * h.data * 3 + 5)
    assert other.grad is None
    with pytest.raises(RuntimeError):
        Tensor([1.0]).retain_grad()


def test_retained_gradient_does_not_alias_leaf_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x + 0.0
    h.retain_grad()
    h.backward(np.array([1.0, 1.0]))
    assert not np.shares_memory(h.grad, x.grad)


# ----------------------------------------------------------------- constant data costs nothing


class _SpyArray(np.ndarray):
    """An ndarray that logs every computation that reads it (ufuncs, numpy functions, .T, reshape)."""

    log: list = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _SpyArray.log.append(ufunc.__name__)
        plain = [np.asarray(x) if isinstance(x, _SpyArray) else x for x in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        _SpyArray.log.append(func.__name__)
        plain = [np.asarray(x) if isinstance(x, _SpyArray) else x for x in args]
        return func(*plain, **kwargs)

    @property
    def T(self):
        _SpyArray.log.append("T")
        return np.asarray(self).T

    def reshape(self, *args, **kwargs):
        _SpyArray.log.append("reshape")
        return np.asarray(self).reshape(*args, **kwargs)

    def transpose(self, *args):
        _SpyArray.log.append("transpose")
        return np.asarray(self).transpose(*args)


def _spy(array):
    spy = np.array(array, dtype=np.float64).view(_SpyArray)
    return spy


@pytest.mark.parametrize("form", ["W @ X", "X @ W", "affine(W, X, b)"])
def test_constant_data_gets_no_gradient_and_no_vjp_work(form, monkeypatch):
    """Only X's VJP would read W in the backward pass (dX = W.T @ g): W must not be read at all.

    W's data is a spy array logging every computation that reads it. The forward
    pass reads it (the product); after that, the backward pass must not. A second,
    direct check records what the op's backward returned for X.
    """
    rs = np.random.RandomState(0)
    X_data = rs.randn(4, 5)
    W = Tensor(_spy(rs.randn(5, 3) if form == "X @ W" else rs.randn(3, 4)), requires_grad=True)
    X = Tensor(X_data)
    b = Tensor(np.zeros((3, 1)), requires_grad=True)
    op_class = ops.Affine if form.startswith("affine") else ops.MatMul
    returned = []
    original_backward = op_class.backward

    def recording_backward(self, g):
        vjps = original_backward(self, g)
        returned.append(vjps)
        return vjps

    monkeypatch.setattr(op_class, "backward", recording_backward)

    _SpyArray.log = []
    if form == "W @ X":
        Z = W @ X
    elif form == "X @ W":
        Z = X @ W
    else:
        Z = autograd_mini.functional.affine(W, X, b)
    assert _SpyArray.log, "the spy must see the forward product"
    _SpyArray.log = []
    G = rs.randn(*Z.shape)
    Z.backward(G)
    assert _SpyArray.log == [], f"W was read in backward: {_SpyArray.log} (X's VJP was computed)"
    assert X.grad is None
    x_index = 0 if form == "X @ W" else 1
    assert returned[0][x_index] is None
    expected = X_data.T @ G if form == "X @ W" else G @ X_data.T
    np.testing.assert_allclose(W.grad, expected)


def test_constant_data_is_not_saved_for_backward():
    """For W @ X the op keeps X (needed for dW) but not W (only dX would need it)."""
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = Tensor(np.ones((3, 4)))
    Z = W @ X
    assert Z.op.a is None and Z.op.b is X.data
    Z2 = X.T @ W.T
    assert Z2.op.inputs[0].requires_grad is False
    assert Z2.op.b is None and Z2.op.a is not None  # keeps X.T for d(W.T), not W.T


def test_spy_detects_vjp_work(monkeypatch):
    """The spy test above can fail: with X requiring grad, W is read in backward."""
    W = Tensor(_spy(np.ones((3, 4))), requires_grad=True)
    X = Tensor(np.ones((4, 5)), requires_grad=True)
    Z = W @ X
    _SpyArray.log = []
    Z.backward(np.ones((3, 5)))
    assert _SpyArray.log != []


# ----------------------------------------------------------------- releasing the graph


def _saved_values(op):
    return [getattr(op, name) for name in type(op).saved]


def test_saved_arrays_released_after_backward():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    out = ((x * w).sigmoid().log() / w + x.exp() - (x**2).relu()).sum()
    graph_ops = []
    stack = [out]
    while stack:
        t = stack.pop()
        if t.op is not None and t.op not in graph_ops:
            graph_ops.append(t.op)
            stack.extend(t.op.inputs)
    with_saved = [op for op in graph_ops if type(op).saved]
    assert len(with_saved) >= 6
    assert all(any(v is not None for v in _saved_values(op)) for op in with_saved)
    out.backward()
    for op in graph_ops:
        assert op.released
        assert all(v is None for v in _saved_values(op)), op


def test_saved_arrays_are_actually_freed():
    """ReLU's mask exists only on the op: after backward nothing keeps it alive."""
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    r = x.relu()
    mask_ref = weakref.ref(r.op.mask)
    r.sum().backward()
    gc.collect()
    assert mask_ref() is None
    y = x.relu()
    kept_ref = weakref.ref(y.op.mask)
    y.sum().backward(retain_graph=True)
    gc.collect()
    assert kept_ref() is not None


def test_second_backward_through_released_graph_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph"):
        y.backward()
    assert isinstance(GraphReleasedError("x"), RuntimeError)


def test_retain_graph_allows_a_second_pass_with_doubled_grads():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sigmoid().sum()
    y.backward(retain_graph=True)
    first = x.grad.copy()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * first)
    assert all(v is not None for v in _saved_values(y.op.inputs[0].op))
    y.backward()
    np.testing.assert_allclose(x.grad, 3 * first)
    with pytest.raises(GraphReleasedError):
        y.backward()


def test_data_only_graph_does_not_record():
    a = Tensor([1.0, 2.0])
    b = a * 3 + 1
    assert b.op is None and b.requires_grad is False


# ----------------------------------------------------------------- float32 end to end


def test_float32_network_stays_float32():
    rs = np.random.RandomState(0)
    W1 = Tensor(rs.randn(4, 3).astype(np.float32), requires_grad=True)
    b1 = Tensor(np.zeros((4, 1), dtype=np.float32), requires_grad=True)
    W2 = Tensor(rs.randn(1, 4).astype(np.float32), requires_grad=True)
    X = Tensor(rs.randn(3, 5).astype(np.float32))
    Y = np.array([[0, 1, 1, 0, 1]], dtype=np.float32)
    P = (W2 @ (W1 @ X + b1).relu()).sigmoid()
    cost = autograd_mini.functional.binary_cross_entropy(P, Y)
    intermediates = [P, cost]
    assert all(t.dtype == np.float32 for t in intermediates)
    cost.backward()
    for p in (W1, b1, W2):
        assert p.grad.dtype == np.float32


# ----------------------------------------------------------------- no_grad


def test_no_grad_context_records_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2).sigmoid() @ x
    assert is_grad_enabled()
    assert y.requires_grad is False and y.op is None
    z = x * 2
    assert z.requires_grad and z.op is not None


def test_no_grad_decorator():
    @no_grad()
    def f(t):
        """doc"""
        assert not is_grad_enabled()
        return t * t

    x = Tensor([3.0], requires_grad=True)
    y = f(x)
    assert y.op is None and not y.requires_grad
    assert is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "doc"


def test_no_grad_restores_state_after_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert is_grad_enabled()

    @no_grad()
    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        boom()
    assert is_grad_enabled()


def test_no_grad_nested():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        x = Tensor([1.0], requires_grad=True)
        assert (x * 2).op is None
    assert is_grad_enabled()


def test_same_no_grad_instance_nested_restores_grad_mode():
    guard = no_grad()
    try:
        with guard:
            with guard:
                pass
        assert is_grad_enabled()
    finally:
        autograd_mini.grad_mode._GradMode.enabled = True


# ----------------------------------------------------------------- error messages


@pytest.mark.parametrize(
    "left, right",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5,), (3, 2))],
)
def test_matmul_mismatch_names_matmul_and_both_shapes(left, right):
    a = Tensor(np.ones(left), requires_grad=True)
    b = Tensor(np.ones(right))
    with pytest.raises(ValueError) as info:
        a @ b
    message = str(info.value)
    assert "matmul" in message and str(left) in message and str(right) in message


@pytest.mark.parametrize(
    "name, fn",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
    ],
)
def test_broadcast_mismatch_names_op_and_both_shapes(name, fn):
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((4, 1, 2)))
    with pytest.raises(ValueError) as info:
        fn(a, b)
    message = str(info.value)
    assert name in message and "(2, 3)" in message and "(4, 1, 2)" in message


def test_failed_op_leaves_no_half_recorded_state():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError):
        a + np.ones(4)
    (a * 2).sum().backward()
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 2.0))


def test_reshape_and_axis_errors_are_clear():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="axis"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="axis"):
        x.mean(axis=(0, -2))
    with pytest.raises(TypeError):
        x ** Tensor(2.0)


def test_engine_casts_every_vjp_to_its_input_dtype_and_shape():
    """A sloppy op returning float64, broadcast-shaped VJPs still yields float32 grads of the input's shape."""

    class SloppyScale(autograd_mini.Op):
        name = "SloppyScale"

        def forward(self, x):
            return x * np.float32(2)

        def backward(self, g):
            return (np.broadcast_to(np.asarray(g, dtype=np.float64) * 2.0, (3,) + g.shape),)

    x = Tensor(np.ones((2, 1), dtype=np.float32), requires_grad=True)
    out = autograd_mini.apply(SloppyScale(), x)
    out.backward(np.ones((2, 1), dtype=np.float32))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.full((2, 1), 6.0, dtype=np.float32))
