"""``nets.audit``: a learner's own hand-derived functions against autodiff, one by one.

A learner writes the post's functions (``linear_forward``, ``relu_backward``,
``L_model_backward``, ...) and the course's next ones (L2, dropout, momentum,
Adam, mini-batches) in a file of their own. :func:`audit` imports that file,
finds which of those functions it defines, and checks each one on inputs of
several shapes against an independent reference:

- forward values against the engine's forward (``autograd_mini``);
- every returned gradient against the engine's vector-Jacobian product (and,
  when the two disagree, central finite differences as a referee);
- updates, learning-rate schedules and mini-batches against the rules, computed
  here independently of ``nets.manual``.

A backward function is fed the cache made by the learner's *own* forward
function when that forward is right for the case, so caches are checked exactly
as far as the learner's code consumes them. Where a function is missing (or
never returned), the project's own from :mod:`nets.manual` takes its place so
that the functions calling it can still be checked.

Then end to end: the learner's ``L_model_forward`` and ``L_model_backward``
together, every gradient against autodiff, with the first layer from the output
down where they stop agreeing and, when recognisable, why (a layer receiving
the gradient meant for another, a ReLU mask the wrong way round, a missing 1/m).

The post's gradient convention: ``dA`` and ``dZ`` are per-example gradients (m
times the gradient of the cost); the ``1/m`` is applied where ``dW`` and ``db``
are formed. The references follow it, so ``linear_backward(dZ, cache)`` must
return ``dA_prev = W.T @ dZ``, ``dW = dZ @ A_prev.T / m``, ``db = sum(dZ) / m``.

The learner's code runs in this process (see :mod:`nets.audit_run` for what
that means for code that never returns).
"""
from __future__ import annotations

import copy
import os
import re
import types
from dataclasses import dataclass, field

import numpy as np

import autograd_mini.functional as F
from autograd_mini import Tensor

from . import manual
from .audit_diagnose import Comparison, compare, same
from .audit_run import AuditImportError, LearnerFailure, Sandbox, load_learner_file, release_streams

__all__ = ["AuditImportError", "AuditReport", "Check", "POST_FUNCTIONS", "COURSE2_FUNCTIONS", "audit"]

POST_FUNCTIONS = (
    "sigmoid", "relu", "relu_backward", "sigmoid_backward", "initialize_parameters",
    "initialize_parameters_deep", "linear_forward", "linear_activation_forward", "L_model_forward",
    "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
    "update_parameters",
)
COURSE2_FUNCTIONS = (
    "compute_cost_with_regularization", "L_model_backward_with_regularization",
    "L_model_forward_with_dropout", "L_model_backward_with_dropout", "update_parameters_with_gd",
    "initialize_velocity", "update_parameters_with_momentum", "initialize_adam",
    "update_parameters_with_adam", "random_mini_batches", "update_lr", "schedule_lr_decay",
)

DEFAULT_TIMEOUT = 5.0
IMPORT_TIMEOUT = 60.0

# Shapes tried. Layer functions: (n_prev, n, m) -- one example, many examples,
# unequal widths, a single unit. Whole models: depths 1 to 5 with unequal widths
# (where a wrong layer usually crashes), and equal hidden widths (where a layer
# fed another layer's gradient gives wrong numbers that can be traced). Each list
# runs from the smallest case up, so the first failing case is the smallest.
ACTIVATION_SHAPES = [(1, 1), (3, 1), (1, 5), (2, 3), (4, 7)]
LAYER_CASES = [(1, 1, 1), (3, 2, 1), (2, 3, 4), (4, 3, 6), (5, 2, 3)]
MODEL_CASES = [([2, 1], 1), ([3, 1], 4), ([4, 3, 1], 1), ([3, 3, 3, 1], 4), ([4, 3, 1], 5),
               ([5, 3, 4, 1], 3), ([3, 4, 4, 4, 1], 5), ([4, 5, 3, 2, 1], 6), ([3, 4, 2, 5, 3, 1], 4)]
END_TO_END_LAYERS = [5, 4, 4, 4, 1]
END_TO_END_EXAMPLES = 6


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


@dataclass
class Check:
    """One row of the report: a function (or, end to end, one gradient such as ``dW2``)."""

    name: str
    ok: bool
    shapes: list = field(default_factory=list)
    max_rel_error: float | None = None
    diagnosis: str | None = None
    error: str | None = None
    failing_case: str | None = None
    referee: str | None = None
    group: str = "function"

    @property
    def verdict(self) -> str:
        if self.ok:
            return "ok"
        if self.error and self.error.startswith("did not return"):
            return "TIMEOUT"
        if self.error and self.max_rel_error is None and self.diagnosis is None:
            return "CRASHED"
        return "WRONG"

    def to_dict(self) -> dict:
        error = self.max_rel_error
        # JSON has no inf or nan: an error that cannot be a number is reported as none.
        error = error if error is not None and np.isfinite(error) else None
        return {"name": self.name, "ok": self.ok, "shapes": list(self.shapes),
                "max_rel_error": error, "diagnosis": self.diagnosis, "error": self.error,
                "failing_case": self.failing_case, "referee": self.referee, "group": self.group}


@dataclass
class AuditReport:
    """What :func:`audit` found. ``ok`` is True when every check agrees."""

    source: str
    found: list
    substituted: list
    checks: list
    end_to_end: str | None = None
    first_wrong_layer: int | None = None
    location: str | None = None
    warnings: list = field(default_factory=list)
    runaway: bool = False

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "source": self.source, "found": list(self.found),
                "substituted": list(self.substituted), "end_to_end": self.end_to_end,
                "first_wrong_layer": self.first_wrong_layer, "location": self.location,
                "checks": [c.to_dict() for c in self.checks]}

    def format(self) -> str:
        """The report as text: a table, then the details of every failing row."""
        lines = [f"audit of {self.source}: {len(self.found)} of the functions found"]
        missing = [n for n in self.substituted if n not in COURSE2_FUNCTIONS]
        if all(n in self.substituted for n in COURSE2_FUNCTIONS):
            lines.append("not defined, so not checked: the course-2 functions (L2, dropout, momentum, Adam, "
                         "mini-batches, learning-rate decay)")
        else:
            missing = self.substituted
        if missing:
            lines.append("not defined, so not checked (the project's own stands in where your functions "
                         "call them): " + ", ".join(missing))
        rows = [("function", "shapes tried", "worst rel. error", "verdict")]
        for c in self.checks:
            if c.group == "end to end" and (not rows or rows[-1][0] != "--"):
                if all(r[0] != "--" for r in rows):
                    rows.append(("--", "", "", ""))
            error = "-" if c.max_rel_error is None else f"{c.max_rel_error:.1e}"
            rows.append((c.name, _summarise_shapes(c.shapes), error, c.verdict))
        widths = [max(len(r[i]) for r in rows if r[0] != "--") for i in range(4)]
        for r in rows:
            if r[0] == "--":
                lines.append(f"end to end: {self.end_to_end}")
                continue
            lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
        if self.location:
            lines.append(self.location)
        for c in self.checks:
            if c.ok or c.group == "end to end":
                continue
            lines.append("")
            lines.append(f"{c.name}: {c.verdict}")
            if c.failing_case:
                lines.append(f"  smallest failing case: {c.failing_case}")
            if c.diagnosis:
                lines.append(f"  diagnosis: {c.diagnosis}")
            elif c.max_rel_error is not None:
                lines.append("  diagnosis: the values differ in no pattern the audit recognises")
            if c.referee:
                lines.append(f"  referee: {c.referee}")
            if c.error:
                lines.extend("  " + line for line in c.error.splitlines())
        # End-to-end rows share their layer's diagnosis: one line per diagnosis.
        wrong = [c for c in self.checks if c.group == "end to end" and not c.ok]
        if wrong:
            lines.append("")
            lines.append(f"end to end, on {wrong[0].failing_case}:")
            said = {}
            for c in wrong:
                said.setdefault(c.diagnosis or c.error or "wrong", []).append(c.name)
            for text, names in said.items():
                first, *rest = text.splitlines()
                lines.append(f"  {', '.join(names)}: {first}")
                lines.extend("    " + line for line in rest)
        if self.warnings:
            lines.append("")
            lines.append(f"your code warned {len(self.warnings)} time(s), e.g. {self.warnings[0]}")
        if self.runaway:
            lines.append("note: a function that never returned could not be stopped; it runs until the process ends")
        lines.append("")
        bad = [c.name for c in self.checks if not c.ok]
        lines.append("OK: everything agrees with autodiff" if not bad else f"FAILED: {', '.join(bad)}")
        return "\n".join(lines)


def _summarise_shapes(shapes) -> str:
    """A table cell for the cases tried (the JSON report lists them all)."""
    if len(shapes) == 1:
        return str(shapes[0])
    text = " ".join(shapes)
    depths = [len(re.findall(r"\d+", d)) - 1 for d in re.findall(r"layers \[([\d, ]+)\]", text)]
    examples = [int(a or b) for a, b in re.findall(r"A_prev\(\d+,(\d+)\)|(\d+) examples?", text)]
    parts = []
    if depths:
        parts.append(f"depths {min(depths)}-{max(depths)}" if min(depths) != max(depths) else f"depth {depths[0]}")
    elif shapes and all(d.startswith("Z(") for d in shapes):
        parts.append(f"Z {shapes[0][1:]} to {shapes[-1][1:]}")
    if examples:
        parts.append(f"m {min(examples)}-{max(examples)}" if min(examples) != max(examples) else f"m {examples[0]}")
    return f"{len(shapes)}: " + ", ".join(parts) if parts else f"{len(shapes)} cases"


# ---------------------------------------------------------------------------
# Engine references
# ---------------------------------------------------------------------------


def _vjp(fn, arrays, upstream):
    """``fn``'s value at ``arrays`` and the gradients of ``sum(upstream * fn(...))`` by autodiff."""
    tensors = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(np.asarray(upstream, dtype=np.float64))
    grads = [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]
    return out.data, grads


def _activate(Z: Tensor, activation: str) -> Tensor:
    return Z.sigmoid() if activation == "sigmoid" else Z.relu()


class _Net:
    """A whole network's forward values and gradients by autodiff, in the post's convention.

    ``grads`` has ``dW{l}``, ``db{l}`` (the cost's gradient) and ``dA{l}`` for
    l = 0..L (m times the cost's gradient with respect to A[l], as the post's
    ``dA`` are); ``dA{L}`` is the post's ``dAL``. ``masks``: inverted-dropout
    masks of the hidden layers; ``lambd``: L2 strength.
    """

    def __init__(self, X, Y, parameters, lambd=0.0, masks=None, keep_prob=1.0):
        self.lambd, self.masks, self.keep_prob = lambd, masks, keep_prob
        self.L = L = len(parameters) // 2
        self.m = m = X.shape[1]
        self.X, self.Y, self.parameters = X, Y, parameters
        tX = Tensor(X.copy(), requires_grad=True)
        A = tX
        self.acts, self.Zs, Ws, bs = [tX], [], [], []
        for l in range(1, L + 1):
            W = Tensor(parameters[f"W{l}"].copy(), requires_grad=True)
            b = Tensor(parameters[f"b{l}"].copy(), requires_grad=True)
            Z = W @ A + b
            A = Z.relu() if l < L else Z.sigmoid()
            if masks is not None and l < L:
                A = A * masks[l - 1] / keep_prob
            A.retain_grad()
            self.acts.append(A)
            self.Zs.append(Z.data)
            Ws.append(W)
            bs.append(b)
        cost = F.binary_cross_entropy(A, Y)
        if lambd:
            penalty = (Ws[0] * Ws[0]).sum()
            for W in Ws[1:]:
                penalty = penalty + (W * W).sum()
            cost = cost + penalty * (lambd / (2 * m))
        cost.backward()
        self.cost = cost.item()
        self.AL = A.data
        self.grads = {}
        for l in range(1, L + 1):
            self.grads[f"dW{l}"] = Ws[l - 1].grad
            self.grads[f"db{l}"] = bs[l - 1].grad
        for l in range(0, L + 1):
            self.grads[f"dA{l}"] = m * self.acts[l].grad
        self.A_values = [a.data for a in self.acts]

    def describe(self) -> str:
        dims = [self.X.shape[0]] + [self.parameters[f"W{l}"].shape[0] for l in range(1, self.L + 1)]
        return f"layers {dims}, {self.m} example{'s' if self.m != 1 else ''}"

    def local_backward(self, l: int, upstream, activation: str, mask: str = "right",
                       dropout: str = "right", l2: str = "right"):
        """Layer l's (dW, db, dA_prev) in the post's convention, given the gradient it received.

        The other keywords make the usual mistakes on purpose, for the diagnoses:
        ``mask`` "inverted"/"none" (ReLU), ``dropout`` "nomask"/"noscale", ``l2`` "none"/"nom".
        """
        Z, A_prev, W = self.Zs[l - 1], self.A_values[l - 1], self.parameters[f"W{l}"]
        if self.masks is not None and l < self.L:
            if dropout == "right":
                upstream = upstream * self.masks[l - 1] / self.keep_prob
            elif dropout == "noscale":
                upstream = upstream * self.masks[l - 1]
        if activation == "sigmoid":
            s = 1 / (1 + np.exp(-Z))
            dZ = upstream * s * (1 - s)
        elif mask == "right":
            dZ = upstream * (Z > 0)
        elif mask == "inverted":
            dZ = upstream * (Z <= 0)
        else:
            dZ = upstream
        dW = dZ @ A_prev.T / self.m
        if self.lambd and l2 == "right":
            dW = dW + self.lambd / self.m * W
        elif self.lambd and l2 == "nom":
            dW = dW + self.lambd * W
        return dW, dZ.sum(axis=1, keepdims=True) / self.m, W.T @ dZ


def _finite_difference_referee(cost_of, x: np.ndarray, autodiff_grad: np.ndarray, rng, entries=8) -> str:
    """Central differences of ``cost_of`` at a few entries of ``x``, against autodiff's gradient."""
    flat = x.reshape(-1)
    picks = rng.choice(flat.size, size=min(entries, flat.size), replace=False)
    worst = 0.0
    for i in picks:
        h = 1e-6 * max(1.0, abs(flat[i]))
        saved = flat[i]
        flat[i] = saved + h
        up = cost_of()
        flat[i] = saved - h
        down = cost_of()
        flat[i] = saved
        estimate = (up - down) / (2 * h)
        exact = autodiff_grad.reshape(-1)[i]
        worst = max(worst, abs(estimate - exact) / max(abs(exact), abs(estimate), 1e-8))
    side = "side with autodiff" if worst < 1e-4 else "disagree with autodiff too (the reference may be at a kink)"
    return f"finite differences {side}: relative difference {worst:.1e} on {len(picks)} entries"


# ---------------------------------------------------------------------------
# The auditor
# ---------------------------------------------------------------------------


class _Malformed(Exception):
    """The learner's function returned something of the wrong structure (a tuple too short...)."""


class _Case:
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


def _unpack(name: str, value, parts: tuple):
    """``value`` as a tuple of ``len(parts)`` items, or :class:`_Malformed` saying what came back."""
    if len(parts) == 1:
        return (value,)
    if not isinstance(value, (tuple, list)) or len(value) != len(parts):
        got = (f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list))
               else f"a {type(value).__name__}")
        raise _Malformed(f"{name} returned {got}, expected a tuple ({', '.join(parts)})")
    return tuple(value)


def _dict_of_arrays(name: str, value, what: str):
    if not isinstance(value, dict):
        raise _Malformed(f"{name} returned a {type(value).__name__}, expected a dictionary of {what}")
    return value


def _shape(a) -> str:
    return "(" + ",".join(str(n) for n in np.shape(a)) + ")"


class _Auditor:
    def __init__(self, module: types.ModuleType, source_files: set, seed: int, timeout: float):
        self.module = module
        self.ns = module.__dict__
        self.sandbox = Sandbox(timeout=timeout, learner_files=source_files)
        self.seed = seed
        self.rng = np.random.RandomState(seed)
        names = POST_FUNCTIONS + COURSE2_FUNCTIONS
        self.found = [n for n in names if callable(self.ns.get(n)) and self._defined_by_learner(self.ns[n])]
        self.substituted = [n for n in names if n not in self.found]
        self.injected = []
        for n in self.substituted:
            if n in self.ns:
                continue  # a non-function of that name: theirs, left alone (and not checked)
            self.ns[n] = getattr(manual, n)
            self.injected.append(n)
        self.checks: list[Check] = []

    def _defined_by_learner(self, fn) -> bool:
        # A function imported from nets.manual (or numpy) is not the learner's to audit.
        code = getattr(fn, "__code__", None)
        return code is not None and os.path.abspath(code.co_filename) in self.sandbox.learner_files

    def restore(self):
        for n in self.injected:
            self.ns.pop(n, None)

    # -- calling learner code -----------------------------------------------------------
    def call(self, name: str, *args):
        """The function ``name`` as the learner's namespace has it, on copies of ``args``."""
        fn = self.ns[name]
        try:
            return self.sandbox.call(fn, *copy.deepcopy(args))
        except LearnerFailure as failure:
            if failure.kind == "timeout":
                # Put the project's own in place of the function that hung, so that the
                # functions calling it are not each held up for the full time limit.
                stuck = failure.function if failure.function in POST_FUNCTIONS + COURSE2_FUNCTIONS else name
                if stuck in self.found and self.ns.get(stuck) is not getattr(manual, stuck):
                    self.ns[stuck] = getattr(manual, stuck)
                    self.injected.append(stuck)
            raise

    def ran(self, name: str) -> bool:
        return name in self.found

    # -- running a check over its cases -------------------------------------------------
    def run_check(self, name: str, cases, group: str = "function"):
        """Run ``cases`` (pairs of description and a function filling a _Case) into one Check."""
        done = []
        for description, fill in cases:
            case = _Case(description)
            try:
                fill(case)
            except LearnerFailure as failure:
                case.failure = failure
            except _Malformed as exc:
                case.problem = str(exc)
            except Exception as exc:  # what came back broke a comparison: a verdict, not a crash of the tool
                case.problem = f"what {name} returned could not be judged ({type(exc).__name__}: {exc})"
            done.append(case)
            if case.failure is not None and case.failure.kind == "timeout":
                break  # the next cases would each wait out the limit too
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
            crashed = next((case for case in failing if case.failure is not None), None)
            if crashed is not None:
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
        case.referee = _finite_difference_referee(cost_of, arrays[index], autodiff_grad, self.rng)

    # -- inputs --------------------------------------------------------------------------
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

    # -- the post's functions, one at a time --------------------------------------------
    def check_activations(self):
        for act in ("sigmoid", "relu"):
            if not self.ran(act):
                continue

            def fill(case, shape, act=act):
                Z = self.away_from_zero(*shape)
                A, _cache = _unpack(act, self.call(act, Z), ("A", "cache"))
                ref = _activate(Tensor(Z), act).data
                case.comparisons.append(compare("A", A, ref))
                if not case.comparisons[-1].ok and act == "relu" and same(np.asarray(A, float), 1 / (1 + np.exp(-Z))):
                    case.diagnosis = "relu computes the sigmoid"

            self.run_check(act, [(f"Z{_shape(np.empty(s))}", lambda c, s=s: fill(c, s)) for s in ACTIVATION_SHAPES])

    def activation_cache(self, act, Z):
        """The cache the learner's own activation makes for Z, when it computes A right; else Z."""
        if self.ran(act):
            try:
                A, cache = _unpack(act, self.call(act, Z), ("A", "cache"))
                if same(np.asarray(A, dtype=float), _activate(Tensor(Z), act).data):
                    return cache
            except (LearnerFailure, _Malformed, TypeError, ValueError):
                pass
        return Z

    def check_activation_backwards(self):
        for act in ("relu", "sigmoid"):
            name = f"{act}_backward"
            if not self.ran(name):
                continue

            def fill(case, shape, act=act, name=name):
                Z = self.away_from_zero(*shape)
                dA = self.rng.randn(*shape)
                cache = self.activation_cache(act, Z)
                dZ = self.call(name, dA, cache)
                _, (ref,) = _vjp(lambda z: _activate(z, act), [Z], dA)
                comparison = compare("dZ", dZ, ref)
                case.comparisons.append(comparison)
                if comparison.ok or comparison.error is None:
                    return
                self.referee(case, lambda z: _activate(z, act), [Z], dA, 0, ref)
                dZ = np.asarray(dZ, dtype=float)
                if act == "relu":
                    below = Z <= 0
                    if np.any(below) and np.allclose(dZ[below], dA[below]) and np.any(dA[below]):
                        blocks = np.any(~below) and np.allclose(dZ[~below], 0)
                        case.diagnosis = ("relu_backward passes the gradient where Z <= 0"
                                          + (" and blocks it where Z > 0 (the mask is inverted)" if blocks else ""))
                        case.partial = not np.any(~below)
                    elif np.any(~below) and np.allclose(dZ[~below], 0):
                        case.diagnosis = "relu_backward blocks the gradient where Z > 0"
                        case.partial = not np.any(below)
                else:
                    s = 1 / (1 + np.exp(-Z))
                    if same(dZ, dA * s):
                        case.diagnosis = "sigmoid_backward multiplies by s, not by s * (1 - s)"
                    elif same(dZ, dA * (1 - s)):
                        case.diagnosis = "sigmoid_backward multiplies by 1 - s, not by s * (1 - s)"
                    elif same(dZ, dA * Z * (1 - Z)):
                        case.diagnosis = "sigmoid_backward uses Z * (1 - Z): it needs s = sigmoid(Z) there"

            self.run_check(name, [(f"Z{_shape(np.empty(s))}", lambda c, s=s: fill(c, s)) for s in ACTIVATION_SHAPES])

    def check_initialisers(self):
        def check_parameters(case, parameters, dims, name):
            parameters = _dict_of_arrays(name, parameters, "parameters")
            expected = {f"{p}{l}" for l in range(1, len(dims)) for p in "Wb"}
            if set(parameters) != expected:
                raise _Malformed(f"{name} returned keys {sorted(parameters)}, expected {sorted(expected)}")
            for l in range(1, len(dims)):
                W, b = parameters[f"W{l}"], parameters[f"b{l}"]
                for key, value, shape in ((f"W{l}", W, (dims[l], dims[l - 1])), (f"b{l}", b, (dims[l], 1))):
                    c = compare(key, value, np.zeros(shape))  # shape and type only: values are judged below
                    if c.problem and "shape" in c.problem or c.problem and "expected a numpy" in c.problem:
                        raise _Malformed(c.problem)
                W, b = np.asarray(W, float), np.asarray(b, float)
                if not np.all(np.isfinite(W)):
                    raise _Malformed(f"W{l} contains nan or inf")
                if W.size > 1 and np.all(W == W.flat[0]):
                    raise _Malformed(f"every entry of W{l} is {W.flat[0]:g}: the units of layer {l} all "
                                     f"compute the same thing and stay identical (symmetry is never broken)")
                if np.any(b != 0):
                    raise _Malformed(f"b{l} is not zeros (the post starts every bias at 0)")
                if W.size > 1 and np.std(W) > 1.0:
                    raise _Malformed(f"W{l} has standard deviation {np.std(W):.2g}: the post scales "
                                     f"its draws by 0.01 so that the sigmoid does not saturate")

        if self.ran("initialize_parameters"):
            def fill(case, n_x, n_h, n_y):
                check_parameters(case, self.call("initialize_parameters", n_x, n_h, n_y), [n_x, n_h, n_y],
                                 "initialize_parameters")
            self.run_check("initialize_parameters", [
                (f"n_x={a}, n_h={b}, n_y={c}", lambda case, a=a, b=b, c=c: fill(case, a, b, c))
                for a, b, c in ((2, 3, 1), (5, 4, 1), (4, 7, 2))])
        if self.ran("initialize_parameters_deep"):
            def fill_deep(case, dims):
                check_parameters(case, self.call("initialize_parameters_deep", list(dims)), dims,
                                 "initialize_parameters_deep")
            self.run_check("initialize_parameters_deep", [
                (f"layer_dims {d}", lambda case, d=d: fill_deep(case, d))
                for d in ([3, 1], [4, 3, 1], [5, 4, 3, 2, 1], [6, 5, 4, 3, 2, 1])])

    def check_linear(self):
        if self.ran("linear_forward"):
            def fill(case, n_prev, n, m):
                A, W, b = self.rng.randn(n_prev, m), self.rng.randn(n, n_prev), self.rng.randn(n, 1)
                Z, _ = _unpack("linear_forward", self.call("linear_forward", A, W, b), ("Z", "cache"))
                ref = (Tensor(W) @ Tensor(A) + Tensor(b)).data
                case.comparisons.append(compare("Z", Z, ref))
                if not case.comparisons[-1].ok and isinstance(Z, np.ndarray) and Z.shape == ref.shape:
                    if same(Z, W @ A):
                        case.diagnosis = "linear_forward leaves out b"
                    elif same(Z, ref - 2 * b):
                        case.diagnosis = "linear_forward subtracts b"
            self.run_check("linear_forward", self.layer_cases(fill))

        if self.ran("linear_activation_forward"):
            def fill_act(case, n_prev, n, m, act):
                A_prev, W, b = self.rng.randn(n_prev, m), self.rng.randn(n, n_prev), self.rng.randn(n, 1)
                A, _ = _unpack("linear_activation_forward",
                               self.call("linear_activation_forward", A_prev, W, b, act), ("A", "cache"))
                Z = Tensor(W) @ Tensor(A_prev) + Tensor(b)
                ref = _activate(Z, act).data
                case.comparisons.append(compare("A", A, ref))
                other = "relu" if act == "sigmoid" else "sigmoid"
                if not case.comparisons[-1].ok and isinstance(A, np.ndarray) and same(A, _activate(Z, other).data):
                    case.diagnosis = f"linear_activation_forward applies {other} when asked for {act}"
            self.run_check("linear_activation_forward", [
                (f"{act}, A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m, act=act: fill_act(c, p, n, m, act))
                for act in ("relu", "sigmoid") for p, n, m in LAYER_CASES])

    def layer_cases(self, fill):
        return [(f"A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m: fill(c, p, n, m))
                for p, n, m in LAYER_CASES]

    def linear_cache(self, A, W, b):
        if self.ran("linear_forward"):
            try:
                Z, cache = _unpack("linear_forward", self.call("linear_forward", A, W, b), ("Z", "cache"))
                if same(np.asarray(Z, dtype=float), W @ A + b):
                    return cache
            except (LearnerFailure, _Malformed, TypeError, ValueError):
                pass
        return (A, W, b)

    def layer_cache(self, A_prev, W, b, act):
        if self.ran("linear_activation_forward"):
            try:
                A, cache = _unpack("linear_activation_forward",
                                   self.call("linear_activation_forward", A_prev, W, b, act), ("A", "cache"))
                if same(np.asarray(A, dtype=float), _activate(Tensor(W @ A_prev + b), act).data):
                    return cache
            except (LearnerFailure, _Malformed, TypeError, ValueError):
                pass
        return ((A_prev, W, b), W @ A_prev + b)

    def compare_layer_grads(self, case, name, result, refs, m):
        dA_prev, dW, db = _unpack(name, result, ("dA_prev", "dW", "db"))
        for label, got, ref in (("dA_prev", dA_prev, refs[0]), ("dW", dW, refs[1]), ("db", db, refs[2])):
            case.comparisons.append(compare(label, got, ref, m=m))

    def check_linear_backwards(self):
        if self.ran("linear_backward"):
            def fill(case, n_prev, n, m):
                A, W, b = self.rng.randn(n_prev, m), self.rng.randn(n, n_prev), self.rng.randn(n, 1)
                dZ = self.rng.randn(n, m)
                cache = self.linear_cache(A, W, b)
                result = self.call("linear_backward", dZ, cache)
                _, (gA, gW, gb) = _vjp(lambda A, W, b: W @ A + b, [A, W, b], dZ)
                self.compare_layer_grads(case, "linear_backward", result, (gA, gW / m, gb / m), m)
                if not case.ok and case.failure is None:
                    def cost_of():
                        return float(np.sum(dZ * (Wv @ A + b)) / m)
                    Wv = W.copy()
                    case.referee = _finite_difference_referee(cost_of, Wv, gW / m, self.rng)
            self.run_check("linear_backward", self.layer_cases(fill))

        if self.ran("linear_activation_backward"):
            def fill_act(case, n_prev, n, m, act):
                A_prev, W, b = self.rng.randn(n_prev, m), self.rng.randn(n, n_prev), self.rng.randn(n, 1)
                if act == "relu":  # keep Z off the kink
                    b = b + np.where(np.abs(W @ A_prev + b) < 0.1, 0.2, 0.0)[:, :1]
                dA = self.rng.randn(n, m)
                cache = self.layer_cache(A_prev, W, b, act)
                result = self.call("linear_activation_backward", dA, cache, act)
                f = lambda A, W, b: _activate(W @ A + b, act)
                _, (gA, gW, gb) = _vjp(f, [A_prev, W, b], dA)
                self.compare_layer_grads(case, "linear_activation_backward", result, (gA, gW / m, gb / m), m)
                if not case.ok and case.failure is None:
                    self.referee(case, f, [A_prev, W, b], dA, 1, gW / m, scale=1 / m)
                if not case.ok and case.failure is None and case.diagnosis is None:
                    other = "relu" if act == "sigmoid" else "sigmoid"
                    Z = W @ A_prev + b
                    _, (oZ,) = _vjp(lambda z: _activate(z, other), [Z], dA)
                    try:
                        got = _unpack("linear_activation_backward", result, ("dA_prev", "dW", "db"))
                        if same(np.asarray(got[1], float), oZ @ A_prev.T / m):
                            case.diagnosis = f"linear_activation_backward uses {other}'s derivative when asked for {act}"
                    except _Malformed:
                        pass
            self.run_check("linear_activation_backward", [
                (f"{act}, A_prev({p},{m}) W({n},{p})", lambda c, p=p, n=n, m=m, act=act: fill_act(c, p, n, m, act))
                for act in ("relu", "sigmoid") for p, n, m in LAYER_CASES])

    def check_model_forward(self):
        if not self.ran("L_model_forward"):
            return

        def fill(case, dims, m):
            X, _, parameters = self.model_case(dims, m)
            AL, _ = _unpack("L_model_forward", self.call("L_model_forward", X, parameters), ("AL", "caches"))
            net = _Net(X, self.labels(m), parameters)
            case.comparisons.append(compare("AL", AL, net.AL))
            if not case.comparisons[-1].ok and isinstance(AL, np.ndarray) and AL.shape == net.AL.shape:
                for description, last, hidden in (("the last layer uses relu instead of sigmoid", "relu", "relu"),
                                                  ("the hidden layers use sigmoid instead of relu", "sigmoid", "sigmoid"),
                                                  ("the activations are swapped (sigmoid inside, relu last)", "relu", "sigmoid")):
                    if same(AL, _plain_forward(X, parameters, hidden, last)):
                        case.diagnosis = description
                        break

        self.run_check("L_model_forward", [(self.describe(d, m), lambda c, d=d, m=m: fill(c, d, m))
                                           for d, m in MODEL_CASES])

    @staticmethod
    def describe(dims, m):
        return f"layers {dims}, {m} example{'s' if m != 1 else ''}"

    def check_cost(self):
        if not self.ran("compute_cost"):
            return

        def fill(case, m):
            AL = self.rng.uniform(0.05, 0.95, size=(1, m))
            Y = self.labels(m)
            cost = self.call("compute_cost", AL, Y)
            ref = F.binary_cross_entropy(Tensor(AL), Y).item()
            case.comparisons.append(compare("the cost", cost, ref, m=m, scalar=True))

        self.run_check("compute_cost", [(f"AL(1,{m})", lambda c, m=m: fill(c, m)) for m in (1, 3, 8)])

    def model_caches(self, X, parameters, net, forward="L_model_forward", extra=lambda: ()):
        """AL and caches from the learner's forward when it computes AL right, else the project's.

        ``extra``: makes the forward's further arguments afresh for each call (a new rng).
        """
        if self.ran(forward):
            try:
                AL, caches = _unpack(forward, self.call(forward, X, parameters, *extra()), ("AL", "caches"))
                if same(np.asarray(AL, dtype=float), net.AL):
                    return AL, caches
            except (LearnerFailure, _Malformed, TypeError, ValueError):
                pass
        return getattr(manual, forward)(X, parameters, *extra())

    def dropout_masks(self, dims, m, keep_prob, seed):
        # The masks the fixed signature implies: rng.rand(*A.shape) < keep_prob, hidden layers in order.
        rng = np.random.RandomState(seed)
        return [(rng.rand(n, m) < keep_prob).astype(np.float64) for n in dims[1:-1]]

    def check_model_backward(self, name="L_model_backward", lambd=None, keep_prob=None):
        if not self.ran(name):
            return

        def fill(case, dims, m):
            X, Y, parameters = self.model_case(dims, m)
            masks, forward, extra, more = None, "L_model_forward", (lambda: ()), ()
            if keep_prob is not None:
                seed = int(self.rng.randint(2**31))
                masks = self.dropout_masks(dims, m, keep_prob, seed)
                forward = "L_model_forward_with_dropout"
                extra = lambda: (keep_prob, np.random.RandomState(seed))
                more = (keep_prob,)
            elif lambd is not None:
                more = (lambd,)
            net = _Net(X, Y, parameters, lambd=lambd or 0.0, masks=masks, keep_prob=keep_prob or 1.0)
            AL, caches = self.model_caches(X, parameters, net, forward, extra)
            grads = _dict_of_arrays(name, self.call(name, AL, Y, caches, *more), "gradients")
            rows, layer, diagnosis = _judge_model_grads(grads, net, name)
            case.comparisons.extend(rows.values())
            if layer is not None:
                case.diagnosis = diagnosis
                key = next(k for k, c in rows.items() if not c.ok)
                if key[1] in "Wb" and rows[key].error is not None:
                    p = parameters[key[1:]]  # dW2 -> W2, perturbed in place by the referee

                    def cost_of():
                        return _numpy_cost(X, Y, parameters, lambd or 0.0, masks, keep_prob or 1.0)
                    case.referee = f"{key}: " + _finite_difference_referee(cost_of, p, net.grads[key], self.rng)

        self.run_check(name, [(self.describe(d, m), lambda c, d=d, m=m: fill(c, d, m)) for d, m in MODEL_CASES])

    def check_updates(self, name="update_parameters"):
        if not self.ran(name):
            return

        def fill(case, dims, rate):
            parameters = self.parameters(dims)
            grads = {f"d{k}": self.rng.randn(*v.shape) for k, v in parameters.items()}
            new = _dict_of_arrays(name, self.call(name, parameters, grads, rate), "parameters")
            for key, value in parameters.items():
                if key not in new:
                    raise _Malformed(f"{name} returned no {key!r}")
                g = grads[f"d{key}"]
                comparison = compare(key, new[key], value - rate * g)
                case.comparisons.append(comparison)
                if not comparison.ok and comparison.error is not None and case.diagnosis is None:
                    got = np.asarray(new[key], dtype=float)
                    for text, candidate in ((f"it adds the gradient ({key} + learning_rate * d{key}): "
                                             f"a step uphill", value + rate * g),
                                            (f"it ignores the learning rate ({key} - d{key})", value - g),
                                            (f"it leaves {key} unchanged", value),
                                            (f"it returns the step, not the updated {key}", -rate * g)):
                        if same(got, candidate):
                            case.diagnosis = text
                            break

        self.run_check(name, [(f"layers {d}, learning_rate {r}", lambda c, d=d, r=r: fill(c, d, r))
                              for d, r in (([2, 1], 0.1), ([4, 3, 1], 0.0075), ([5, 3, 4, 2, 1], 0.5))])

    # -- end to end ----------------------------------------------------------------------
    def end_to_end(self, report: AuditReport):
        dims, m = END_TO_END_LAYERS, END_TO_END_EXAMPLES
        X, Y, parameters = self.model_case(dims, m)
        net = _Net(X, Y, parameters)
        report.end_to_end = (f"your L_model_forward then L_model_backward on {net.describe()} "
                             f"(gradients from the output down)")
        keys = [k for l in range(net.L, 0, -1) for k in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
        try:
            AL, caches = _unpack("L_model_forward", self.call("L_model_forward", X, parameters), ("AL", "caches"))
            grads = _dict_of_arrays("L_model_backward", self.call("L_model_backward", AL, Y, caches), "gradients")
        except (LearnerFailure, _Malformed) as exc:
            text = exc.text if isinstance(exc, LearnerFailure) else str(exc)
            for key in (k for k in keys if not k.startswith("dA")):
                self.checks.append(Check(name=key, ok=False, shapes=[_shape(net.grads[key])], error=text,
                                         group="end to end", failing_case=net.describe()))
            report.location = "end to end: your model did not run, so no layer could be located"
            return
        rows, layer, diagnosis = _judge_model_grads(grads, net, "L_model_backward")
        # Each wrong layer gets its own diagnosis; below the first one, a layer with no
        # pattern of its own is wrong because of what came down to it.
        per_layer = {}
        for l in sorted({_layer_of(k) for k, c in rows.items() if not c.ok}, reverse=True):
            per_layer[l] = diagnosis if l == layer else (
                _diagnose_layer(grads, net, l)
                or f"follows from the wrong gradients from layer {layer} above")
        for key, comparison in rows.items():
            self.checks.append(Check(name=key, ok=comparison.ok, shapes=[_shape(net.grads[key])],
                                     max_rel_error=comparison.error, group="end to end",
                                     diagnosis=None if comparison.ok else (
                                         per_layer.get(_layer_of(key)) or comparison.problem),
                                     failing_case=None if comparison.ok else net.describe()))
        report.first_wrong_layer = layer
        if layer is None:
            report.location = "end to end: every gradient agrees with autodiff"
        else:
            above = f"gradients agree from layer {net.L} down to layer {layer + 1}; " if layer < net.L else ""
            report.location = (f"end to end: {above}layer {layer} is the first (from the output down) "
                               f"where they stop agreeing" + (f": {diagnosis}" if diagnosis else ""))


def _layer_of(key: str) -> int:
    # dW3/db3 belong to layer 3; dA2 is produced by layer 3's backward step.
    n = int(key[2:])
    return n + 1 if key.startswith("dA") else n


def _numpy_cost(X, Y, parameters, lambd=0.0, masks=None, keep_prob=1.0):
    """The (regularised, dropped-out) cost in plain numpy: the finite-difference referee's function."""
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
        if masks is not None and l < L:
            A = A * masks[l - 1] / keep_prob
    m = X.shape[1]
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return cost + lambd / (2 * m) * sum(np.sum(parameters[f"W{l}"] ** 2) for l in range(1, L + 1))


def _plain_forward(X, parameters, hidden, last):
    A = X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        act = last if l == L else hidden
        A = 1 / (1 + np.exp(-Z)) if act == "sigmoid" else np.maximum(Z, 0)
    return A


def _judge_model_grads(grads: dict, net: _Net, name: str):
    """Per-gradient comparisons from the output down, the first wrong layer and why.

    ``dW``/``db`` of every layer must be there; ``dA{l}`` is compared when the
    learner returns it (the post does, a pruned backward pass may not).
    """
    rows = {}
    first = None
    for l in range(net.L, 0, -1):
        for key in (f"dW{l}", f"db{l}", f"dA{l - 1}"):
            if key not in grads:
                if key.startswith("dA"):
                    continue
                rows[key] = Comparison(False, None, f"{name} returned no {key!r}")
            else:
                rows[key] = compare(key, grads[key], net.grads[key], m=net.m)
            if not rows[key].ok and first is None:
                first = l
    if first is None:
        return rows, None, None
    return rows, first, _diagnose_layer(grads, net, first) or next(
        (c.problem for k, c in rows.items() if _layer_of(k) == first and not c.ok and c.problem), None)


def _diagnose_layer(grads: dict, net: _Net, l: int):
    """Why layer ``l``'s dW and db are wrong, when they are exactly right for some other input."""
    try:
        dW = np.asarray(grads[f"dW{l}"], dtype=float)
        db = np.asarray(grads[f"db{l}"], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None
    right = "sigmoid" if l == net.L else "relu"
    shape = net.Zs[l - 1].shape
    candidates = []
    for k in range(net.L, 0, -1):
        candidates.append((k, f"dA{k}", net.grads[f"dA{k}"]))
        theirs = grads.get(f"dA{k}")
        if isinstance(theirs, np.ndarray):
            candidates.append((k, f"dA{k}", theirs))

    def matches(upstream, activation, mask="right", **mistakes):
        if np.shape(upstream) != shape:
            return False
        cW, cb, _ = net.local_backward(l, upstream, activation, mask, **mistakes)
        return dW.shape == cW.shape and same(dW, cW) and db.shape == cb.shape and same(db, cb)

    for k, label, upstream in candidates:
        if k != l and matches(upstream, right):
            return f"layer {l} receives {label}, the gradient meant for layer {k}, instead of dA{l}"
    own = grads.get(f"dA{l}") if l < net.L else None
    upstream = net.grads[f"dA{l}"]
    if net.lambd:
        if matches(upstream, right, l2="none"):
            return f"dW{l} leaves out the L2 term lambd / m * W{l}"
        if matches(upstream, right, l2="nom"):
            return f"dW{l}'s L2 term is lambd * W{l}: a missing 1/m"
    if net.masks is not None and l < net.L:
        # The more specific mistake first: where every unit of a small case was kept,
        # a missing mask and a missing 1/keep_prob give the same numbers.
        if matches(upstream, right, dropout="noscale"):
            return f"layer {l} applies the mask D{l} to dA{l} but does not divide by keep_prob"
        if matches(upstream, right, dropout="nomask"):
            return f"layer {l} does not apply the dropout mask D{l} to dA{l} (nor divide by keep_prob)"
    if right == "relu":
        if matches(upstream, "relu", "inverted"):
            return f"layer {l}'s ReLU backward passes the gradient where Z <= 0 and blocks it where Z > 0"
        if matches(upstream, "relu", "none"):
            return f"layer {l}'s ReLU backward passes the gradient where Z <= 0"
        if matches(upstream, "sigmoid"):
            return f"layer {l} is a ReLU layer but backpropagates through sigmoid's derivative"
    elif matches(upstream, "relu"):
        return f"layer {l} is the sigmoid output layer but backpropagates through ReLU's derivative"
    if isinstance(own, np.ndarray) and matches(own, right):
        return f"layer {l} is right for the dA{l} it received, but that dA{l} is wrong"
    return None


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def audit(module_or_path, *, seed: int = 0, timeout: float = DEFAULT_TIMEOUT) -> AuditReport:
    """Check a learner's post-style functions against autodiff; returns an :class:`AuditReport`.

    ``module_or_path``: a path to a ``.py`` file, or an imported module. Raises
    :class:`AuditImportError` when the file cannot be imported or defines none of
    the functions. ``timeout``: seconds each call of the learner's code may take.
    numpy's global random state is the same afterwards as before.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    saved_state = np.random.get_state()
    try:
        if isinstance(module_or_path, types.ModuleType):
            module = module_or_path
            source = getattr(module, "__file__", None) or module.__name__
            files = {os.path.abspath(module.__file__)} if getattr(module, "__file__", None) else set()
        elif isinstance(module_or_path, (str, os.PathLike)):
            source = os.fspath(module_or_path)
            # Importing may load numpy, matplotlib, h5py...: slower than any one call should be.
            module = load_learner_file(source, max(timeout, IMPORT_TIMEOUT))
            files = {source}
        else:
            raise TypeError(f"audit needs a module or the path of a .py file, got {type(module_or_path).__name__}")
        auditor = _Auditor(module, files, seed, timeout)
        if not auditor.found:
            auditor.restore()
            raise AuditImportError(f"{source} defines none of the post's functions "
                                   f"({', '.join(POST_FUNCTIONS[:4])}, ...)")
        report = AuditReport(source=source, found=list(auditor.found), substituted=list(auditor.substituted),
                             checks=auditor.checks)
        try:
            auditor.check_activations()
            auditor.check_activation_backwards()
            auditor.check_initialisers()
            auditor.check_linear()
            auditor.check_linear_backwards()
            auditor.check_model_forward()
            auditor.check_cost()
            auditor.check_model_backward()
            auditor.check_updates()
            from .audit_course2 import check_course2
            check_course2(auditor)
            if auditor.ran("L_model_forward") or auditor.ran("L_model_backward"):
                auditor.end_to_end(report)
        finally:
            auditor.restore()
        report.warnings = list(auditor.sandbox.warnings)
        report.runaway = bool(auditor.sandbox.runaways)
        return report
    finally:
        np.random.set_state(saved_state)
        release_streams()
