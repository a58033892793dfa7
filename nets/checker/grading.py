"""A class in one call: submissions found in the paths given, audited in parallel, graded.

- :func:`find_submissions`: what counts as one submission (a file given alone
  with its folder; a file in a class folder alone; a sub-folder as a whole);
- :func:`grade`: every submission audited (:func:`.runner.audit_submission`,
  each in its own worker), ``jobs`` at a time, each outcome plain data
  (:class:`Outcome`): the JSON report, one line for the terminal, the status of
  each graded function, the score;
- :func:`gradebook_csv`, :func:`gradescope_results`: the class's gradebook and
  Gradescope's ``results.json`` for one submission.

A function the learner did not write scores 0 but is not by itself a failure
(a learner may check part of their work); wrong, crashed, timed out, or a
submission that cannot be imported is.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from multiprocessing import get_context

from ..errors import AuditImportError
from .assignments import KNOWN_FUNCTIONS, POST_FUNCTIONS, match
from .isolation import Limits, Submission
from .runner import audit_submission

__all__ = ["Outcome", "STATUSES", "find_submissions", "grade", "gradebook_csv", "graded_functions",
           "gradescope_results", "read_points", "report_names"]

STATUSES = ("ok", "wrong", "crashed", "timeout", "missing")
_SKIPPED = {"__pycache__", "node_modules", "venv", ".venv"}


def find_submissions(paths, whole: bool = False) -> list:
    """The submissions in ``paths``: FileNotFoundError for a path that does not exist.

    A file given as the only path brings its folder (helper files beside it);
    a file among several paths, or directly in a folder given, is copied
    alone; a sub-folder of a folder given is one submission; with ``whole``,
    a folder given is one submission itself.
    """
    paths = [os.fspath(p) for p in paths]
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file or folder")
    found = []
    for path in paths:
        if not os.path.isdir(path):
            found.append(Submission.of_file(path, alone=len(paths) > 1))
        elif whole:
            found.append(Submission.of_folder(path))
        else:
            for name in sorted(os.listdir(path)):
                entry = os.path.join(path, name)
                if name.startswith(".") or name in _SKIPPED:
                    continue
                if os.path.isdir(entry):
                    found.append(Submission.of_folder(entry))
                elif name.endswith((".py", ".ipynb")):
                    found.append(Submission.of_file(entry, alone=True))
    return found


def graded_functions(found) -> tuple:
    """The functions a submission defining ``found`` is graded on: every function of each
    assignment its names match (:func:`.assignments.match`; the post's when it defines none
    the audit knows), in the course's order, so that a class's rows have the same columns.

    The one place that decides it.
    """
    names = set(match({n: None for n in found}).names) if found else set()
    names = names or set(POST_FUNCTIONS)
    return tuple(n for n in _COURSE_ORDER if n in names)


# The post's functions first (the most common assignment), then the others in the table's order.
_COURSE_ORDER = POST_FUNCTIONS + tuple(n for n in KNOWN_FUNCTIONS if n not in POST_FUNCTIONS)


def read_points(path) -> dict:
    """``--points FILE.json``: an object mapping function names to points (numbers >= 0)."""
    try:
        with open(path, encoding="utf-8") as f:
            points = json.load(f)
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(points, dict):
        raise ValueError(f"{path}: expected a JSON object such as {{\"L_model_backward\": 3}}")
    for name, value in points.items():
        if name not in KNOWN_FUNCTIONS:
            raise ValueError(f"{path}: {name!r} is not a function the audit checks")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"{path}: the points of {name} must be a number >= 0, got {value!r}")
    return {name: float(value) for name, value in points.items()}


@dataclass
class Outcome:
    """One submission's result as plain data (it crosses from a job's process to the caller)."""

    submission: str
    ok: bool
    report: dict
    text: str
    line: str
    statuses: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(p for name, p in self.points.items() if self.statuses.get(name) == "ok")

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def _grade_one(submission: Submission, limits: Limits, seed: int, points: dict) -> Outcome:
    started = time.monotonic()
    try:
        report = audit_submission(submission, limits, seed=seed)
    except AuditImportError as exc:
        error = " ".join(str(exc).split())
        names = graded_functions(())
        return Outcome(submission=submission.shown, ok=False, error=error, text=error,
                       report={"ok": False, "source": submission.shown, "error": error},
                       line=f"{submission.shown}: {_without_prefix(error, submission.shown)}",
                       statuses={n: "missing" for n in names}, points={n: points.get(n, 1.0) for n in names},
                       seconds=time.monotonic() - started)
    names = graded_functions(report.found)
    rows = {c.name: c for c in report.checks if c.group == "function"}
    # A gradebook's words only: a row that is right in itself ("ok, but see linear_backward") is ok.
    statuses = {n: ("missing" if n not in rows else "ok" if rows[n].ok else rows[n].verdict.lower())
                for n in names}
    outcome = Outcome(submission=submission.shown, ok=report.ok, report=report.to_dict(), text=report.format(),
                      line="", statuses=statuses, points={n: points.get(n, 1.0) for n in names},
                      seconds=time.monotonic() - started)
    bad = [c.name for c in report.checks if not c.ok]
    missing = [n for n in names if statuses[n] == "missing"]
    score = f"{outcome.score:g}/{outcome.max_score:g}"
    outcome.line = (f"{submission.shown}: " + ("ok" if not bad else f"FAILED {', '.join(bad)}") + f" ({score}"
                    + (f"; {len(missing)} not defined" if missing else "") + ")")
    return outcome


def _without_prefix(text: str, prefix: str) -> str:
    return text[len(prefix):].lstrip(": ") if text.startswith(prefix) else text


def grade(submissions, limits: Limits, seed: int = 0, points: dict | None = None, jobs: int = 1,
          on_outcome=None) -> list:
    """Every submission audited, at most ``jobs`` at a time; the :class:`Outcome`\\ s in order.

    ``on_outcome(outcome)`` is called for each, in order, as soon as it and
    the ones before it are done.
    """
    points = dict(points or {})
    submissions = list(submissions)
    outcomes = []
    if jobs <= 1 or len(submissions) <= 1:
        for submission in submissions:
            outcomes.append(_grade_one(submission, limits, seed, points))
            if on_outcome:
                on_outcome(outcomes[-1])
        return outcomes
    # Processes, not threads: each job's checking (the engine, numpy) runs on its own core.
    pool = get_context("spawn").Pool(min(jobs, len(submissions)), initializer=_job_started)
    try:
        for outcome in pool.imap(_grade_job, [(s, limits, seed, points) for s in submissions]):
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        pool.close()
    except BaseException:
        pool.terminate()  # SIGTERM: each job stops its worker before it ends (see _job_started)
        raise
    finally:
        pool.join()
    return outcomes


def _job_started() -> None:
    # A job ends on SIGTERM (the caller interrupted) by raising SystemExit, so that its
    # audit's clean-up kills the learner's worker; Ctrl-C is the caller's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def _grade_job(arguments) -> Outcome:
    return _grade_one(*arguments)


def report_names(outcomes) -> list:
    """A file name for each outcome's JSON report (``alice.py`` -> ``alice.json``), unique."""
    names, taken = [], set()
    for outcome in outcomes:
        base = os.path.splitext(os.path.basename(os.path.normpath(outcome.submission)))[0] or "submission"
        base = re.sub(r"[^\w.-]+", "_", base).lstrip(".") or "submission"
        name, n = f"{base}.json", 1
        while name in taken:
            n += 1
            name = f"{base}-{n}.json"
        taken.add(name)
        names.append(name)
    return names


def gradebook_csv(outcomes) -> str:
    """The gradebook: submission, ok, score, max_score, then one column per function graded."""
    functions = [n for n in KNOWN_FUNCTIONS if any(n in o.statuses for o in outcomes)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "ok", "score", "max_score"] + functions)
    for o in outcomes:
        writer.writerow([o.submission, "true" if o.ok else "false", f"{o.score:g}", f"{o.max_score:g}"]
                        + [o.statuses.get(n, "missing") for n in functions])
    return buffer.getvalue()


def gradescope_results(outcome: Outcome) -> dict:
    """Gradescope's autograder ``results.json`` for one submission: one test per graded function."""
    rows = {c["name"]: c for c in outcome.report.get("checks", []) if c.get("group") == "function"}
    tests = []
    for name, points in outcome.points.items():
        status = outcome.statuses.get(name, "missing")
        if outcome.error is not None:
            text = f"not checked: {outcome.error}"
        elif status == "missing":
            text = "not defined"
        else:
            text = _row_text(rows[name])
        tests.append({"name": name, "score": points if status == "ok" else 0.0, "max_score": points,
                      "status": "passed" if status == "ok" else "failed", "output": text,
                      "visibility": "visible"})
    summary = [outcome.error] if outcome.error is not None else [outcome.line]
    if outcome.report.get("end_to_end"):
        summary.append(f"end to end: {outcome.report['end_to_end']}")
    if outcome.report.get("printed"):
        summary.append("your code printed (the start of it):\n" + outcome.report["printed"])
    return {"score": outcome.score, "execution_time": round(outcome.seconds, 3), "output": "\n".join(summary),
            "tests": tests, "visibility": "visible", "stdout_visibility": "hidden"}


def _row_text(row: dict) -> str:
    lines = [row.get("verdict", "ok" if row.get("ok") else "wrong").upper() if not row.get("ok") else "ok"]
    if row.get("failing_case"):
        lines.append(f"smallest failing case: {row['failing_case']}")
    if row.get("diagnosis"):
        lines.append(f"diagnosis: {row['diagnosis']}")
    elif not row.get("ok") and row.get("max_rel_error") is not None:
        lines.append(f"worst relative error {row['max_rel_error']:.1e}")
    if row.get("referee"):
        lines.append(f"referee: {row['referee']}")
    if row.get("error"):
        lines.append(row["error"])
    return "\n".join(lines)

