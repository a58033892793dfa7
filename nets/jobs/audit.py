"""The ``audit`` job: one submission or a class checked by :mod:`nets.checker`, the outputs written if asked.

:func:`run_audit` is one learner's file (today's ``nets audit my_code.py``);
:func:`run_class` is what the command line does for any set of paths: the
submissions found (:func:`nets.checker.grading.find_submissions`), audited
``jobs`` at a time, then the gradebook (``csv``), one JSON report per
submission (``out`` a folder, or for a single submission a file), and
Gradescope's ``results.json`` (``gradescope``), each written atomically, none
over an existing file unless ``overwrite``. Outputs are checked before anything
runs, so a refused output costs no time.
"""
from __future__ import annotations

import json
import os

from ..atomic import write_json, write_text
from ..checker import AuditReport, audit
from ..checker.grading import (find_submissions, grade, gradebook_csv, gradescope_results, read_points,
                               report_names)
from ..checker.isolation import DEFAULT_MEMORY_LIMIT, DEFAULT_SUBMISSION_TIMEOUT, Limits
from ..checker.runner import DEFAULT_TIMEOUT, IMPORT_TIMEOUT
from ..errors import OutputExistsError

__all__ = ["run_audit", "run_class"]


def run_audit(path, seed: int = 0, timeout: float = DEFAULT_TIMEOUT, out=None, *,
              memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
              submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT, overwrite: bool = True) -> AuditReport:
    """Audit the file at ``path``; with ``out``, also write the JSON report there (atomically).

    Raises :class:`nets.errors.AuditImportError` when the file cannot be
    imported or defines none of the known functions (nothing is written then).
    """
    if out and not overwrite:
        _refuse_existing(out)
    report = audit(path, seed=seed, timeout=timeout, memory_limit=memory_limit,
                   submission_timeout=submission_timeout)
    if out:
        write_text(out, json.dumps(report.to_dict(), indent=2) + "\n")
    return report


def _refuse_existing(path) -> None:
    if os.path.isdir(path):
        if os.listdir(path):
            raise OutputExistsError(f"{path}: exists and holds files (pass --overwrite to write into it)")
    elif os.path.exists(path):
        raise OutputExistsError(f"{path}: exists (pass --overwrite to replace it)")


def run_class(paths, *, seed: int = 0, timeout: float = DEFAULT_TIMEOUT,
              memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
              submission_timeout: float = DEFAULT_SUBMISSION_TIMEOUT, jobs: int = 1, whole: bool = False,
              csv=None, out=None, gradescope=None, points=None, overwrite: bool = False, on_outcome=None) -> dict:
    """Audit every submission in ``paths``; returns ``{"single": bool, "outcomes": [...]}``.

    ``single`` is True when ``paths`` is one file, or ``gradescope`` is given
    (a folder is then one submission; several paths are refused): ``out`` is
    then a JSON file, else a folder of one report per submission. Raises
    FileNotFoundError for a path that does not exist, OutputExistsError for
    an existing output without ``overwrite``, ValueError for bad ``points``.
    """
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise ValueError("give at least one PATH")
    if gradescope and len(paths) > 1:
        raise ValueError("--gradescope grades one submission: give one PATH (a file or a folder)")
    submissions = find_submissions(paths, whole=whole or bool(gradescope))
    single = bool(gradescope) or (len(paths) == 1 and not os.path.isdir(paths[0]))
    point_table = read_points(points) if points else {}
    for output in (csv, gradescope, out):
        if output and not overwrite:
            _refuse_existing(output)
    if out and not single and os.path.exists(out) and not os.path.isdir(out):
        raise OutputExistsError(f"{out}: exists and is not a folder (--out names a folder for several submissions)")
    if not submissions:
        raise FileNotFoundError(f"no submission (.py, .ipynb or sub-folder) in {', '.join(paths)}")
    limits = Limits(timeout=float(timeout), memory_limit=memory_limit, submission_timeout=float(submission_timeout),
                    import_timeout=max(float(timeout), IMPORT_TIMEOUT))
    outcomes = grade(submissions, limits, seed=seed, points=point_table, jobs=jobs, on_outcome=on_outcome)
    if csv:
        write_text(csv, gradebook_csv(outcomes))
    if out and single:
        write_text(out, json.dumps(outcomes[0].report, indent=2) + "\n")
    elif out:
        os.makedirs(out, exist_ok=True)
        for name, outcome in zip(report_names(outcomes), outcomes):
            write_text(os.path.join(out, name), json.dumps(outcome.report, indent=2) + "\n")
    if gradescope:
        os.makedirs(os.path.dirname(os.path.abspath(gradescope)), exist_ok=True)
        write_json(gradescope, gradescope_results(outcomes[0]))
    return {"single": single, "outcomes": outcomes}
