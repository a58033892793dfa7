"""``nets.audit``: a learner's own hand-derived functions against autodiff, one by one.

A learner writes the post's functions (``linear_forward``, ``relu_backward``,
``L_model_backward``, ...) and the course's next ones (L2, dropout, momentum,
Adam, mini-batches) in a file of their own. :func:`audit` imports that file
(:mod:`.sandbox`), finds which of the known functions
(:mod:`.assignments`) it defines, and checks each one on inputs of several
shapes against an independent reference (:mod:`.reference`):

- forward values against the engine's forward (``autograd_mini``);
- every returned gradient against the engine's vector-Jacobian product (and,
  when the two disagree, central finite differences as a referee);
- updates, learning-rate schedules and mini-batches against the rules, computed
  independently of ``nets.manual``.

Where a function is missing (or never returned), the project's own from
:mod:`nets.manual` takes its place so that the functions calling it can still
be checked. Then end to end (:func:`.post.end_to_end`). The report
(:mod:`.report`) names the first wrong layer and, when recognisable, why
(:mod:`.diagnose`).

Given a path, the learner's code runs in a worker process of its own
(:mod:`.isolation`, :mod:`.worker`): every check, comparison and the report are
made here, on plain data received from it. A module object given directly is
the one case that runs in this process (:mod:`.sandbox`).
"""
from __future__ import annotations

import os
import time
import types

import numpy as np

from ..errors import AuditImportError
from .assignments import audit_learner, match
from .isolation import DEFAULT_MEMORY_LIMIT, DEFAULT_SUBMISSION_TIMEOUT, Limits, Submission, WorkerLearner
from .loading import defined_functions
from .report import AuditReport
from .sandbox import Learner, release_streams

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_SUBMISSION_TIMEOUT", "DEFAULT_TIMEOUT", "IMPORT_TIMEOUT", "audit",
           "audit_submission", "stand_ins_for"]

DEFAULT_TIMEOUT = 5.0
IMPORT_TIMEOUT = 60.0


def stand_ins_for(names) -> dict:
    """The project's own function for each of ``names`` as ``"module:attribute"``, under the
    convention of the assignment a file defining all of them would be (:func:`.assignments.match`)."""
    stand_ins = match({n: None for n in names}).stand_ins
    return {n: stand_ins[n] for n in names if n in stand_ins}


def audit(module_or_path, *, seed: int = 0, timeout: float = DEFAULT_TIMEOUT,
          memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
          submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT) -> AuditReport:
    """Check a learner's post-style functions against autodiff; returns an :class:`AuditReport`.

    ``module_or_path``: a path to a ``.py`` file (its folder's other files can be
    imported by it) or to a folder (its ``.py`` files imported together), run
    in a worker process; or an imported module, whose functions are then
    called in this process. Raises :class:`AuditImportError` when the
    submission cannot be imported or defines none of the functions.
    ``timeout``: seconds each call of the learner's code may take;
    ``memory_limit``: bytes of address space of the worker (None: no limit);
    ``submission_timeout``: seconds for the whole submission. numpy's global
    random state is the same afterwards as before.
    """
    _check_positive("timeout", timeout)
    _check_positive("submission_timeout", submission_timeout)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if memory_limit is not None and (isinstance(memory_limit, bool) or not isinstance(memory_limit, int)
                                     or memory_limit <= 0):
        raise ValueError(f"memory_limit must be a positive number of bytes or None, got {memory_limit!r}")
    if isinstance(module_or_path, types.ModuleType):
        return _audit_module(module_or_path, seed, timeout)
    if not isinstance(module_or_path, (str, os.PathLike)):
        raise TypeError(f"audit needs a module or the path of a .py file, got {type(module_or_path).__name__}")
    path = os.fspath(module_or_path)
    if not os.path.exists(path):
        raise AuditImportError(f"{path}: no such file")
    submission = Submission.of_folder(path) if os.path.isdir(path) else Submission.of_file(path)
    limits = Limits(timeout=float(timeout), memory_limit=memory_limit, submission_timeout=float(submission_timeout),
                    import_timeout=max(float(timeout), IMPORT_TIMEOUT))
    return audit_submission(submission, limits, seed=seed)


def audit_submission(submission: Submission, limits: Limits, seed: int = 0) -> AuditReport:
    """:func:`audit` of one :class:`Submission`, its code in a worker process under ``limits``."""
    started = time.monotonic()
    if not submission.files:
        raise AuditImportError(f"{submission.shown}: no .py or .ipynb file in it")
    learner = WorkerLearner(submission, limits, started=started)
    try:
        matched = match(learner.defined)
        learner.set_up(matched.names, matched.stand_ins)
        report = audit_learner(learner, submission.shown, seed, matched, learner.notes)
    finally:
        learner.restore()
    report.warnings = list(learner.warnings)
    report.printed = learner.output
    return report


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


def _audit_module(module, seed: int, timeout: float) -> AuditReport:
    """A module object given directly: its functions run in this process (see :mod:`.sandbox`)."""
    saved_state = np.random.get_state()
    try:
        source = getattr(module, "__file__", None) or module.__name__
        files = _module_files(module)
        matched = match(defined_functions(module, files))
        learner = Learner(module, files, matched.names, stand_ins=matched.stand_ins, timeout=timeout)
        try:
            report = audit_learner(learner, source, seed, matched)
        finally:
            learner.restore()
        report.warnings = list(learner.sandbox.warnings)
        report.runaway = bool(learner.sandbox.runaways)
        return report
    finally:
        np.random.set_state(saved_state)
        release_streams()


def _module_files(module) -> set:
    """The files whose functions count as the module's own: its file, and for a package
    re-exporting them (``nets.manual``), the files of its submodules' functions."""
    files = {os.path.abspath(module.__file__)} if getattr(module, "__file__", None) else set()
    prefix = module.__name__ + "."
    for value in vars(module).values():
        code = getattr(value, "__code__", None)
        if code is not None and getattr(value, "__module__", "").startswith(prefix):
            files.add(os.path.abspath(code.co_filename))
    return files
