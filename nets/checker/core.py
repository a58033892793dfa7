"""The audit's core: a learner's functions called case by case, each function's cases one row of the report.

Every check (:mod:`.post`, :mod:`.course2`) is a function of an
:class:`Auditor` ``a``: it asks ``a.ran(name)`` whether the learner defines
the function, draws its inputs from ``a.rng`` (``a.away_from_zero``,
``a.labels``, ``a.parameters``), calls the learner's code through ``a.call``
(the sandbox: a time limit, their output kept away, their traceback on a
failure), and gives its cases to ``a.run_check``, which runs them and sums
them up as one :class:`~.report.Check`. What came back in the wrong shape of
result is a :class:`Malformed` with a sentence for the learner.
"""
from __future__ import annotations

import numpy as np

from autograd_mini import Tensor

from .diagnose import Comparison
from .reference import finite_difference_referee
from .report import Check
from .sandbox import LearnerFailure

__all__ = ["Auditor", "Case", "Malformed", "dict_of_arrays", "shape_of", "unpack"]


class Malformed(Exception):
    """The learner's function returned something of the wrong structure (a tuple too short...)."""


class Case:
    """What one case found: comparisons (name -> Comparison), a failure, a diagnosis, a referee note."""

    def __init__(self, description: str):
        self.description = description
        self.comparisons: list[Comparison] = []
        self.failure: LearnerFailure | None = None
        self.problem: str | None = None
        self.diagnosis: str | None = None
        self.partial = False  # a diagnosis from a case that shows only part of the mistake
        self.referee: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None and self.problem is None and all(c.ok for c in self.comparisons)


def unpack(name: str, value, parts: tuple):
    """``value`` as a tuple of ``len(parts)`` items, or :class:`Malformed` saying what came back."""
    if len(parts) == 1:
        return (value,)
    if not isinstance(value, (tuple, list)) or len(value) != len(parts):
        got = (f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list))
               else f"a {type(value).__name__}")
        raise Malformed(f"{name} returned {got}, expected a tuple ({', '.join(parts)})")
    return tuple(value)


def dict_of_arrays(name: str, value, what: str):
    if not isinstance(value, dict):
        raise Malformed(f"{name} returned a {type(value).__name__}, expected a dictionary of {what}")
    return value


def shape_of(a) -> str:
    return "(" + ",".join(str(n) for n in np.shape(a)) + ")"


class Auditor:
    """What every check works with: the learner's functions (``call``, ``ran``), a seeded
    ``rng`` for the inputs, and ``checks``, the report's rows so far."""

    def __init__(self, learner, seed: int):
        self.learner = learner
        self.seed = seed
        self.rng = np.random.RandomState(seed)
        self.checks: list[Check] = []

    def call(self, name: str, *args):
        """The learner's function ``name`` on copies of ``args`` (see :meth:`.sandbox.Learner.call`)."""
        return self.learner.call(name, *args)

    def ran(self, name: str) -> bool:
        """Whether the learner defines ``name`` (only those are checked)."""
        return self.learner.defines(name)

    def run_check(self, name: str, cases, group: str = "function"):
        """Run ``cases`` (pairs of description and a function filling a Case) into one Check."""
        done = []
        for description, fill in cases:
            case = Case(description)
            try:
                fill(case)
            except LearnerFailure as failure:
                case.failure = failure
            except Malformed as exc:
                case.problem = str(exc)
            except Exception as exc:  # what came back broke a comparison: a verdict, not a crash of the tool
                case.problem = f"what {name} returned could not be judged ({type(exc).__name__}: {exc})"
            done.append(case)
            if case.failure is not None and case.failure.kind in ("timeout", "crashed"):
                break  # the next cases would each wait out the limit (or crash) too
        return self._summarise(name, done, group)

    def _summarise(self, name, cases, group) -> Check:
        errors = [c.error for case in cases for c in case.comparisons if c.error is not None]
        failing = [case for case in cases if not case.ok]
        check = Check(name=name, ok=not failing, shapes=[case.description for case in cases],
                      max_rel_error=max(errors) if errors else None, group=group)
        if failing:
            check.failing_case = failing[0].description
            for case in sorted(failing, key=lambda case: case.partial):  # stable: smallest first
                text = case.diagnosis or case.problem or next(
                    (c.problem for c in case.comparisons if not c.ok and c.problem), None)
                if text:
                    check.diagnosis = text if case is failing[0] else f"{text} (with {case.description})"
                    break
            # A crash or a timeout of the worker outranks an exception: it is what the row says.
            crashed = next((case for case in failing if case.failure is not None
                            and case.failure.kind in ("crashed", "timeout")), None)
            crashed = crashed or next((case for case in failing if case.failure is not None), None)
            if crashed is not None:
                # What the row's verdict says: a crash or a timeout always; an exception when it
                # is the only thing wrong (never WRONG for numbers that agreed).
                numbers_wrong = any(case.problem or any(not c.ok for c in case.comparisons) for case in failing)
                if crashed.failure.kind != "raised" or not numbers_wrong:
                    check.failure = crashed.failure.kind
                check.error = crashed.failure.text
                if crashed is not failing[0]:
                    check.error = f"with {crashed.description}:\n{crashed.failure.text}"
            check.referee = next((case.referee for case in failing if case.referee), None)
        self.checks.append(check)
        return check

    def referee(self, case, fn, arrays, upstream, index, autodiff_grad, scale=1.0):
        """Finite differences of sum(upstream * fn(*arrays)) in arrays[index], for a failing case."""
        arrays = [np.array(a, dtype=np.float64) for a in arrays]

        def cost_of():
            return float(np.sum(upstream * fn(*[Tensor(a) for a in arrays]).data)) * scale
        case.referee = finite_difference_referee(cost_of, arrays[index], autodiff_grad, self.rng)

    def away_from_zero(self, *shape):
        # Pre-activations kept off ReLU's kink, where a derivative is a convention.
        x = self.rng.randn(*shape)
        return np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * 0.1 + x, x)

    def labels(self, m):
        Y = (self.rng.rand(1, m) > 0.5).astype(np.float64)
        Y[0, 0] = 1.0 - Y[0, -1] if m > 1 else Y[0, 0]  # both classes when there is room
        return Y

    def parameters(self, dims):
        return {key: value for l in range(1, len(dims)) for key, value in (
            (f"W{l}", self.rng.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])),
            (f"b{l}", self.rng.randn(dims[l], 1) * 0.1))}

    def model_case(self, dims, m):
        return self.rng.randn(dims[0], m), self.labels(m), self.parameters(dims)
