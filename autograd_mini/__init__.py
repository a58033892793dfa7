"""autograd_mini: a small graph-based reverse-mode autodiff engine over numpy arrays.

>>> from autograd_mini import Tensor
>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4.])
"""
from .anomaly import AnomalyError, detect_anomaly
from .broadcast import sum_to_shape
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .op import GraphReleasedError, Op
from .tensor import Tensor, apply, as_tensor
from . import functional, optim
from .gradcheck import GradcheckError, gradcheck
from .replay import Replay, ReplayError
from .compiler import CompileError, Compiled, compile
from . import tuning
from .engine import grad
from .second_order import hessian, hvp

__all__ = [
    "AnomalyError",
    "CompileError",
    "Compiled",
    "GradcheckError",
    "GraphReleasedError",
    "Op",
    "Replay",
    "ReplayError",
    "Tensor",
    "apply",
    "compile",
    "as_tensor",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "no_grad",
    "optim",
    "tuning",
    "sum_to_shape",
]
