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

The learner's code runs in this process (see :mod:`.sandbox` for what that
means for code that never returns).
"""
from __future__ import annotations

import os
import types

import numpy as np

from .assignments import audit_learner, match
from .loading import defined_functions, import_submission
from .report import AuditReport
from .sandbox import Learner, release_streams

__all__ = ["DEFAULT_TIMEOUT", "IMPORT_TIMEOUT", "audit"]

DEFAULT_TIMEOUT = 5.0
IMPORT_TIMEOUT = 60.0


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
        notes = []
        if isinstance(module_or_path, types.ModuleType):
            module = module_or_path
            source = getattr(module, "__file__", None) or module.__name__
            files = _module_files(module)
        elif isinstance(module_or_path, (str, os.PathLike)):
            source = os.fspath(module_or_path)
            # Importing may load numpy, matplotlib, h5py...: slower than any one call should be.
            module, files, notes = import_submission(source, max(timeout, IMPORT_TIMEOUT))
        else:
            raise TypeError(f"audit needs a module or the path of a .py file, got {type(module_or_path).__name__}")
        matched = match(defined_functions(module, files))
        learner = Learner(module, files, matched.names, stand_ins=matched.stand_ins, timeout=timeout)
        try:
            report = audit_learner(learner, source, seed, matched, notes)
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
