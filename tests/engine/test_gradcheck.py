"""autograd_mini.gradcheck: True on correct ops, a precise GradcheckError on a wrong VJP."""
import re

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import GradcheckError, Op, Tensor, apply, gradcheck


class SquareWrongVJP(Op):
    """y = x**2 with the VJP g * x (should be 2 g x)."""

    name = "SquareWrongVJP"
    saved = ("x",)

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return (g * self.x,)


class SquareRightVJP(SquareWrongVJP):
    name = "SquareRightVJP"

    def backward(self, g):
        return (2 * g * self.x,)


class AffineWrongSecondVJP(Op):
    """y = a * b + c with VJPs (g b, g b [wrong: should be g a], g)."""

    name = "AffineWrongSecondVJP"
    saved = ("a", "b")
    broadcasts = False

    def forward(self, a, b, c):
        self.a, self.b = a, b
        return a * b + c

    def backward(self, g):
        return g * self.b, g * self.b, g


class OnlyOneElementWrong(Op):
    """y = x elementwise, but the VJP of element (1, 2) is off by 1%."""

    name = "OnlyOneElementWrong"

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        out = np.array(g, dtype=np.float64, copy=True)
        out[1, 2] *= 1.01
        return (out,)


def _numbers_in(message):
    return [float(s) for s in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", message)]


def test_exports():
    assert am.gradcheck is gradcheck
    assert issubclass(GradcheckError, Exception)


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: (a @ b).sigmoid(), [(2, 3), (3, 4)]),
        (lambda a, b: (a * b + a / (b * b + 1)).sum(axis=0), [(3, 1), (1, 4)]),
        (lambda a: (a.exp() - a**3).mean(axis=(0, -1), keepdims=True), [(2, 3, 2)]),
        (lambda a: (a * a + 1).log().T.reshape(-1), [(2, 3)]),
        (lambda a, b: am.functional.binary_cross_entropy_with_logits(a, b), [(1, 5), (1, 5)]),
        (lambda a: apply(SquareRightVJP(), a), [(3,)]),
    ],
)
def test_true_on_correct_ops(fn, shapes):
    rs = np.random.RandomState(0)
    inputs = [Tensor(rs.randn(*s), requires_grad=True) for s in shapes]
    originals = [t.data.copy() for t in inputs]
    assert gradcheck(fn, inputs) is True
    for t, before in zip(inputs, originals):
        np.testing.assert_array_equal(t.data, before)  # inputs untouched
        assert t.grad is None  # works on copies


def test_accepts_float32_inputs_and_a_single_tensor():
    x = Tensor(np.array([0.3, -0.7], dtype=np.float32), requires_grad=True)
    assert gradcheck(lambda t: (t * t).sigmoid().sum(), x) is True
    assert x.dtype == np.float32


def test_wrong_vjp_raises_naming_input_index_and_values():
    x = Tensor(np.array([1.5, -2.0, 0.5]), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: apply(SquareWrongVJP(), t).sum(), [x])
    message = str(info.value)
    assert "input 0" in message
    assert "(0,)" in message  # the first element already disagrees
    # both values appear: backward gives g*x = 1.5, central difference gives 2x = 3.0
    numbers = _numbers_in(message)
    assert any(abs(v - 1.5) < 1e-9 for v in numbers), message
    assert any(abs(v - 3.0) < 1e-5 for v in numbers), message


def test_wrong_vjp_in_second_of_three_inputs_names_input_1():
    rs = np.random.RandomState(1)
    a, b, c = (Tensor(rs.randn(2, 2), requires_grad=True) for _ in range(3))
    with pytest.raises(GradcheckError, match=r"input 1\b") as info:
        gradcheck(lambda a, b, c: apply(AffineWrongSecondVJP(), a, b, c), [a, b, c])
    assert "input 0" not in str(info.value) and "input 2" not in str(info.value)


def test_wrong_vjp_located_at_the_right_element():
    x = Tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0.*\(1, 2\)"):
        gradcheck(lambda t: apply(OnlyOneElementWrong(), t).sum(), [x])


def test_input_name_appears_in_message():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="weights")
    with pytest.raises(GradcheckError, match="weights"):
        gradcheck(lambda t: apply(SquareWrongVJP(), t).sum(), [x])


def test_constant_inputs_are_not_checked():
    """A wrong VJP for an input that does not require grad is never computed nor checked."""
    a = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.full((2, 2), 3.0))
    c = Tensor(np.zeros((2, 2)), requires_grad=True)
    assert gradcheck(lambda a, b, c: apply(AffineWrongSecondVJP(), a, b, c), [a, b, c]) is True


def test_tolerances_are_respected():
    """A 1% error in one element passes with rtol=0.05 and fails with the default rtol=1e-3."""
    x = Tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    fn = lambda t: apply(OnlyOneElementWrong(), t).sum()  # noqa: E731
    assert gradcheck(fn, [x], rtol=0.05) is True
    with pytest.raises(GradcheckError):
        gradcheck(fn, [x])


def test_nothing_to_check_is_an_error():
    with pytest.raises(ValueError):
        gradcheck(lambda t: t * 2, [Tensor([1.0])])
