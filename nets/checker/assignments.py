"""The assignments the audit knows, as data, and which of them a learner's file is: :func:`match`.

A file is checked against every assignment one of whose *identifying* names
it defines (the table of ``DESIGN.md``, "Assignments the audit knows"). An
assignment's *shared* names (``sigmoid``, ``compute_cost``,
``forward_propagation``, ...) mean different things in different assignments:
Course 1 week 4's ``sigmoid`` returns ``(A, cache)``, Course 2's ``reg_utils``
one returns ``A``. Each shared name is checked under the convention of the
assignment matched; where several matched assignments have it, the learner's
parameter names decide (the course's signatures are given here), then the
assignment the file defines more identifying names of.

The result of :func:`match` is plain data (names and ``"module:attribute"``
strings), so that it can be sent to a worker process that holds the learner's
code: the names to check, each name's convention, and the stand-ins that take
the place of what the learner did not write (so that their functions calling
those still run). :func:`run_checks` then runs the matched assignments' checks.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["ASSIGNMENTS", "Assignment", "audit_learner", "COURSE2_FUNCTIONS", "KNOWN_FUNCTIONS", "Match", "POST_FUNCTIONS",
           "by_key", "match", "missing_functions", "resolve", "run_checks"]


@dataclass(frozen=True)
class Assignment:
    """One row of the table.

    ``identifying``: names that make a file this assignment. ``shared``: names
    other assignments have too, checked under this one's convention.
    ``signatures``: the course's parameter names for the functions, where
    they tell this assignment's version of a shared name from another's.
    ``stand_ins``: the module whose same-named functions stand in for the ones
    the learner did not write. ``helpers``: further names stood in (never
    checked, never listed as missing) because this assignment's functions
    call them. ``checks``: ``"module:function"`` of the checks, called with the
    auditor (an assignment whose checks are not installed is reported, not run).
    """

    key: str
    title: str
    identifying: tuple
    shared: tuple = ()
    signatures: dict = field(default_factory=dict)
    stand_ins: str | None = None
    helpers: tuple = ()
    checks: str | None = None
    provided: tuple = ()  # functions the course gives the learner (dnn_utils, reg_utils): never "missing"

    @property
    def functions(self) -> tuple:
        return self.identifying + tuple(n for n in self.shared if n not in self.identifying)


POST_FUNCTIONS = (
    "sigmoid", "relu", "relu_backward", "sigmoid_backward", "initialize_parameters",
    "initialize_parameters_deep", "linear_forward", "linear_activation_forward", "L_model_forward",
    "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
    "update_parameters",
)
_POST_IDENTIFYING = ("relu_backward", "sigmoid_backward", "initialize_parameters_deep", "linear_forward",
                     "linear_activation_forward", "L_model_forward", "linear_backward",
                     "linear_activation_backward", "L_model_backward")
_PROJECT = ("compute_cost_with_regularization", "L_model_backward_with_regularization",
            "L_model_forward_with_dropout", "L_model_backward_with_dropout")
_OPTIMISATION = ("update_parameters_with_gd", "initialize_velocity", "update_parameters_with_momentum",
                 "initialize_adam", "update_parameters_with_adam", "random_mini_batches", "update_lr",
                 "schedule_lr_decay")
COURSE2_FUNCTIONS = _PROJECT + _OPTIMISATION  # the project's L-layer course-2 names (nets.manual.course2)

ASSIGNMENTS = (
    Assignment(
        "course1-week2", "Course 1 week 2, logistic regression",
        identifying=("initialize_with_zeros", "propagate", "optimize"),
        shared=("sigmoid", "predict", "model"),
        signatures={"sigmoid": ("z",), "predict": ("w", "b", "X"),
                    "model": ("X_train", "Y_train", "X_test", "Y_test")},
        stand_ins="nets.manual.week2", checks="nets.checker.course1:check_week2"),
    Assignment(
        "course1-week3", "Course 1 week 3, planar data",
        identifying=("layer_sizes", "nn_model"),
        shared=("initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
                "update_parameters", "predict", "sigmoid"),
        signatures={"initialize_parameters": ("n_x", "n_h", "n_y"), "forward_propagation": ("X", "parameters"),
                    "sigmoid": ("x",),
                    "compute_cost": ("A2", "Y"), "backward_propagation": ("parameters", "cache", "X", "Y"),
                    "update_parameters": ("parameters", "grads", "learning_rate"),
                    "predict": ("parameters", "X")},
        stand_ins="nets.manual.week3", checks="nets.checker.course1:check_week3",
        provided=("sigmoid",)),  # planar_utils' sigmoid(x), returning s
    Assignment(
        "course1-week4", "Course 1 week 4, the post",
        identifying=_POST_IDENTIFYING,
        shared=("sigmoid", "relu", "initialize_parameters", "compute_cost", "update_parameters"),
        signatures={"sigmoid": ("Z",), "relu": ("Z",), "initialize_parameters": ("n_x", "n_h", "n_y"),
                    "compute_cost": ("AL", "Y"), "update_parameters": ("parameters", "grads", "learning_rate")},
        stand_ins="nets.manual.week4", checks="nets.checker.post:check_post",
        provided=("sigmoid", "relu", "relu_backward", "sigmoid_backward")),
    Assignment(
        "course2-initialization", "Course 2, initialisation",
        identifying=("initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he"),
        stand_ins="nets.manual.initialization", checks="nets.checker.course2:check_initialization"),
    Assignment(
        "course2-regularization", "Course 2, regularisation (3 layers)",
        identifying=("compute_cost_with_regularization", "backward_propagation_with_regularization",
                     "forward_propagation_with_dropout", "backward_propagation_with_dropout"),
        shared=("sigmoid", "relu", "forward_propagation", "backward_propagation", "compute_cost"),
        signatures={"compute_cost_with_regularization": ("A3", "Y", "parameters", "lambd"),
                    "sigmoid": ("x",), "relu": ("x",), "forward_propagation": ("X", "parameters"),
                    "backward_propagation": ("X", "Y", "cache"), "compute_cost": ("a3", "Y")},
        stand_ins="nets.manual.regularization", checks="nets.checker.course2:check_regularization",
        provided=("sigmoid", "relu", "forward_propagation", "backward_propagation", "compute_cost")),
    Assignment(
        "course2-optimization", "Course 2, optimisation",
        identifying=_OPTIMISATION,
        stand_ins="nets.manual.course2", checks="nets.checker.course2:check_optimization"),
    Assignment(
        "project", "the project's L-layer course-2 functions (nets.manual.course2)",
        identifying=_PROJECT,
        signatures={"compute_cost_with_regularization": ("AL", "Y", "parameters", "lambd")},
        stand_ins="nets.manual.course2", helpers=POST_FUNCTIONS,
        checks="nets.checker.course2:check_project"),
)

KNOWN_FUNCTIONS = tuple(dict.fromkeys(n for a in ASSIGNMENTS for n in a.functions))


def by_key(key: str) -> Assignment:
    for a in ASSIGNMENTS:
        if a.key == key:
            return a
    raise KeyError(key)


class Match(NamedTuple):
    """What :func:`match` decided: plain data.

    ``assignments``: the keys of the matched assignments, in the table's order;
    ``names``: every name to look for (and check when the learner defines it);
    ``stand_ins``: name -> ``"module:attribute"`` for the names the learner may
    not have written (``names``, and helpers their functions call, never checked); ``conventions``: name -> the key of the assignment whose
    convention it is checked under; ``notes``: sentences for the report (which
    convention was read where several were possible).
    """

    assignments: tuple
    names: tuple
    stand_ins: dict
    conventions: dict
    notes: tuple


def _fits(signature, expected) -> int:
    """How well a learner's parameter names fit the course's: 2 the same leading names, 1 the same
    count of them, 0 neither (learners rename; a missing or extra parameter is a stronger sign)."""
    if signature is None or expected is None:
        return 0
    signature = list(signature)
    if signature[:len(expected)] == list(expected):
        return 2
    lowered = [s.lower() for s in signature[:len(expected)]]
    if lowered == [e.lower() for e in expected]:
        return 2
    return 1 if len(signature) == len(expected) else 0


def _module_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def match(defined: dict) -> Match:
    """The assignments a learner's file is, from the names it defines.

    ``defined``: the learner's top-level function names, each with its list of
    parameter names. Returns a :class:`Match`; no assignment matched gives an
    empty ``assignments``.
    """
    defined = {name: list(params) if params is not None else None for name, params in defined.items()}

    # Names that identify several assignments (compute_cost_with_regularization: the course's
    # 3-layer one and the project's L-layer one): the signature decides which.
    identifying_owner = {}
    for name in {n for a in ASSIGNMENTS for n in a.identifying}:
        owners = [a for a in ASSIGNMENTS if name in a.identifying]
        if name in defined and len(owners) > 1:
            scores = [_fits(defined[name], a.signatures.get(name)) for a in owners]
            identifying_owner[name] = owners[scores.index(max(scores))].key
    matched = []
    for a in ASSIGNMENTS:
        if any(n in defined and identifying_owner.get(n, a.key) == a.key for n in a.identifying):
            matched.append(a)
    if not matched:
        # Only shared names (a file of sigmoid and relu): the assignment whose signatures they fit,
        # the post's when none fits better.
        best, best_score = None, 0
        for a in ASSIGNMENTS:
            score = sum(_fits(defined[n], a.signatures.get(n)) == 2 for n in a.shared if n in defined)
            if score > best_score:
                best, best_score = a, score
        if best is None and any(n in defined for n in by_key("course1-week4").shared):
            best = by_key("course1-week4")
        if best is not None:
            matched.append(best)

    conventions, notes = {}, []
    for a in matched:
        for name in a.functions:
            if name in conventions:
                continue
            owners = [b for b in matched if name in b.functions]
            if name in identifying_owner:
                conventions[name] = identifying_owner[name]
                continue
            if len(owners) == 1:
                conventions[name] = owners[0].key
                continue
            weight = {b.key: sum(n in defined for n in b.identifying) for b in owners}
            scores = [(_fits(defined.get(name), b.signatures.get(name)), weight[b.key]) for b in owners]
            chosen = owners[scores.index(max(scores))]
            conventions[name] = chosen.key
            if name in defined:
                notes.append(f"{name} was read under the convention of {chosen.title} "
                             f"(its parameters {', '.join(defined[name] or [])!s} fit it best)")

    names = list(conventions)
    stand_ins = {}
    for name, key in conventions.items():
        module = by_key(key).stand_ins
        if module and _module_available(module):
            stand_ins[name] = f"{module}:{name}"
    for a in matched:
        if a.stand_ins and _module_available(a.stand_ins):
            for name in a.helpers:
                if name not in conventions:  # stood in, never checked
                    stand_ins[name] = f"{by_key('course1-week4').stand_ins}:{name}"
    return Match(tuple(a.key for a in matched), tuple(names), stand_ins, conventions, tuple(notes))


def missing_functions(matched: Match, learner) -> list:
    """The matched assignments' functions the learner writes in the course but this file neither
    defines nor imports (the course's provided helpers are never listed)."""
    missing = []
    for name, key in matched.conventions.items():
        a = by_key(key)
        if name in a.provided or learner.defines(name) or name in getattr(learner, "borrowed", {}):
            continue
        missing.append(name)
    return missing


def resolve(target: str):
    """The object a ``"module:attribute"`` string names."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def audit_learner(learner, source: str, seed: int, matched: Match, notes=()):
    """The report on a learner set up with ``matched.names`` and ``matched.stand_ins``: the matched
    assignments' checks, then (Course 1 week 4) end to end. ``notes``: the loader's (cells skipped).

    The one function a runner calls once the learner's code is loaded, in this process or in a
    worker: it needs only the Learner API (found, substituted, defines, signature, call)."""
    from ..errors import AuditImportError
    from .core import Auditor
    from .post import end_to_end
    from .report import AuditReport

    if not learner.found:
        raise AuditImportError(f"{source} defines none of the functions of the assignments the audit knows "
                               f"({', '.join(POST_FUNCTIONS[:4])}, ..., initialize_parameters_he, "
                               f"update_parameters_with_adam, ...)")
    auditor = Auditor(learner, seed, conventions=matched.conventions)
    report = AuditReport(source=source, found=list(learner.found), substituted=list(learner.substituted),
                         checks=auditor.checks, assignments=[by_key(k).title for k in matched.assignments],
                         missing=missing_functions(matched, learner),
                         borrowed=dict(getattr(learner, "borrowed", {}) or {}),
                         notes=list(notes) + list(matched.notes))
    report.notes.extend(run_checks(auditor, matched))
    if "course1-week4" in matched.assignments and (auditor.ran("L_model_forward") or auditor.ran("L_model_backward")):
        end_to_end(auditor, report)
    report.notes.extend(n for n in auditor.notes if n not in report.notes)
    return report


def run_checks(auditor, matched: Match) -> list:
    """Run the checks of every matched assignment on ``auditor``; returns the sentences for the report
    about assignments whose checks are not installed."""
    unavailable = []
    for key in matched.assignments:
        a = by_key(key)
        try:
            checks = resolve(a.checks)
        except (ImportError, AttributeError):
            unavailable.append(f"{a.title}: recognised, but this version of the audit has no checks for it")
            continue
        checks(auditor)
    return unavailable
