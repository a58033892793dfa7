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

import contextlib
import re

import numpy as np

from autograd_mini import Tensor

from .diagnose import Comparison
from .reference import finite_difference_referee
from .report import Check
from .sandbox import LearnerFailure

__all__ = ["Auditor", "Case", "Malformed", "dict_of_arrays", "explain_failure", "shape_of", "unpack"]

# Names a learner's file uses as modules: a NameError on one is a missing import.
MODULE_IMPORTS = {"np": "import numpy as np", "numpy": "import numpy", "copy": "import copy",
                  "math": "import math", "random": "import random", "time": "import time",
                  "plt": "import matplotlib.pyplot as plt", "h5py": "import h5py", "scipy": "import scipy",
                  "os": "import os", "sys": "import sys", "itertools": "import itertools"}


def explain_failure(text: str) -> str:
    """A learner's traceback, with the missing import named when it is a NameError on a module."""
    last = text.strip().splitlines()[-1] if text.strip() else ""
    found = re.match(r"NameError: name '(\w+)' is not defined", last)
    if found and found.group(1) in MODULE_IMPORTS and "missing import" not in text:
        module = found.group(1)
        return (f"{text}\n{module} is a module your file uses without importing it (a missing import): "
                f"add `{MODULE_IMPORTS[module]}` at the top of your file")
    return text


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

    def __init__(self, learner, seed: int, conventions: dict | None = None):
        self.learner = learner
        self.seed = seed
        self.rng = np.random.RandomState(seed)
        self.checks: list[Check] = []
        self.conventions = dict(conventions or {})
        self.notes: list[str] = []  # sentences for the report (conventions read, cells skipped)
        self._substitute: tuple = ()

    def call(self, name: str, *args, seed=None):
        """The learner's function ``name`` on copies of ``args`` (see :meth:`.sandbox.Learner.call`)."""
        if self._substitute:
            return self.learner.call(name, *args, seed=seed, substitute=self._substitute)
        return self.learner.call(name, *args, seed=seed)

    def ran(self, name: str, under=None) -> bool:
        """Whether the learner defines ``name`` (only those are checked); with ``under`` (an
        assignment key or a tuple of them), only when ``name`` is read under that convention."""
        if not self.learner.defines(name):
            return False
        if under is None or name not in self.conventions:
            return True
        return self.conventions[name] in ((under,) if isinstance(under, str) else tuple(under))

    def convention(self, name: str, default: str | None = None):
        return self.conventions.get(name, default)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def wrong_helpers(self, name: str) -> list:
        """The learner's functions found wrong so far that a project stand-in could replace."""
        stand_ins = getattr(self.learner, "stand_ins", {}) or {}
        return [c.name for c in self.checks if not c.ok and c.group == "function" and c.name != name
                and c.name in stand_ins and self.learner.defines(c.name)]

    @contextlib.contextmanager
    def substituting(self, helpers):
        """Within the block, every call runs with the project's ``helpers`` in place of the learner's."""
        self._substitute = tuple(helpers)
        try:
            yield
        finally:
            self._substitute = ()

    def _right_through(self, cases, helpers) -> bool:
        """Whether every one of ``cases`` passes with the project's ``helpers`` in place of the learner's."""
        with self.substituting(helpers):
            for description, fill in cases:
                case = Case(description)
                try:
                    fill(case)
                except Exception:  # LearnerFailure, Malformed, a broken comparison: not right
                    return False
                if not case.ok:
                    return False
            return True

    def run_check(self, name: str, cases, group: str = "function"):
        """Run ``cases`` (pairs of description and a function filling a Case) into one Check."""
        cases = list(cases)
        done = []
        for description, fill in cases:
            case = Case(description)
            try:
                fill(case)
            except LearnerFailure as failure:
                case.failure = LearnerFailure(failure.kind, explain_failure(failure.text), failure.function)
            except Malformed as exc:
                case.problem = str(exc)
            except Exception as exc:  # what came back broke a comparison: a verdict, not a crash of the tool
                case.problem = f"what {name} returned could not be judged ({type(exc).__name__}: {exc})"
            done.append(case)
            if case.failure is not None and case.failure.kind in ("timeout", "crashed"):
                break  # the next cases would each wait out the limit (or crash) too
        through = []
        if any(not case.ok for case in done) and not any(
                case.failure is not None and case.failure.kind in ("timeout", "crashed") for case in done):
            helpers = self.wrong_helpers(name)
            if helpers:
                failing = [pair for pair, case in zip(cases, done) if not case.ok]
                if self._right_through(failing, helpers):
                    # Find the one helper that explains it, when one does.
                    through = next(([h] for h in helpers if len(helpers) > 1 and self._right_through(failing, [h])),
                                   helpers)
        return self._summarise(name, done, group, through)

    def _summarise(self, name, cases, group, through=()) -> Check:
        errors = [c.error for case in cases for c in case.comparisons if c.error is not None]
        failing = [case for case in cases if not case.ok]
        check = Check(name=name, ok=not failing, shapes=[case.description for case in cases],
                      max_rel_error=max(errors) if errors else None, group=group)
        if failing and through:
            # Right in itself: wrong only through the learner's own wrong helper(s).
            check.ok = True
            check.through = list(through)
            self.checks.append(check)
            return check
        if failing:
            # A crash with nothing computed wrong is a crash, whatever the passing cases measured.
            check.crashed = any(case.failure is not None for case in failing) and not any(
                not c.ok and c.error is not None for case in failing for c in case.comparisons)
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
